// Recent activity (admin changes from the audit trail, failovers from the traffic history) and the
// fleet's instances with the revision each has applied.

import {fill, h} from './dom.js';
import {ago, clock, plural} from './format.js';

function change(entry) {
  const region = entry.region || '';
  const before = entry.before || {};
  const after = entry.after || {};
  switch (entry.action) {
    case 'weight':
      return `set the weight of ${region} from ${before.weight} to ${after.weight}`;
    case 'reset_weight':
      return `reset the weight of ${region} to its configured ${after.weight}`;
    case 'drain':
      return `drained ${region}`;
    case 'undrain':
      return `undrained ${region}`;
    case 'dial': {
      const from = before.dial || {};
      const to = after.dial || {};
      if (from.percent === to.percent) {
        return `${to.pinned ? 'pinned' : 'unpinned'} the dial of ${region} at ${to.percent}%`;
      }
      return `turned the dial of ${region} from ${from.percent}% to ${to.percent}%${to.pinned ? ' (pinned)' : ''}`;
    }
    case 'reload':
      return 'reloaded the configuration';
    default:
      return `${entry.action} ${region}`.trim();
  }
}

/** Admin changes and failovers, newest first. */
export function renderActivity(audit, traffic, now = Date.now()) {
  const items = [];
  for (const entry of (audit && audit.changes) || []) {
    items.push({
      time: entry.time,
      kind: 'change',
      body: [h('strong', {text: entry.token}), ` ${change(entry)}`,
        entry.reason ? [' — ', h('q', {text: entry.reason})] : null,
        h('span', {class: 'muted', text: ` (revision ${entry.revision}${entry.instance ? `, on ${entry.instance}` : ''}, from ${entry.remote})`})],
    });
  }
  for (const failover of (traffic && traffic.failovers) || []) {
    items.push({
      time: failover.time,
      kind: 'failover',
      body: [`${plural(failover.count, 'failover')} from `, h('strong', {text: failover.from}), ' to ',
        h('strong', {text: failover.to}), h('span', {class: 'muted', text: ` (${failover.reason.replace(/_/g, ' ')}, in the ${traffic.intervalSeconds} s before)`})],
    });
  }
  items.sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
  const shown = items.slice(0, 12);
  if (!shown.length) {
    fill('activity', h('li', {class: 'muted', text: 'No admin changes or failovers recorded recently.'}));
    return;
  }
  fill('activity', shown.map((item) => h('li', {class: `activity-${item.kind}`},
      h('span', {class: ['tag', item.kind], text: item.kind === 'change' ? 'change' : 'failover'}),
      h('time', {datetime: item.time, title: item.time, text: `${clock(item.time)} · ${ago(item.time, now)}`}),
      h('span', {class: 'what'}, item.body))));
}

export function renderFleet(fleet) {
  if (!fleet) {
    return;
  }
  const instances = fleet.instances || [];
  const status = fleet.converged
    ? `All ${plural(instances.length, 'instance')} applied revision ${fleet.revision}.`
    : `Not converged: some instances have not applied revision ${fleet.revision} yet.`;
  fill('fleet-status', status, fleet.store.kind === 'file' ? ' State in a local file: this instance alone.' : '');
  fill('fleet-rows', instances.map((i) => h('tr', {},
      h('th', {scope: 'row'}, i.id, i.self ? h('span', {class: 'muted', text: ' (this one)'}) : null),
      h('td', {text: i.admin}),
      h('td', {text: i.version}),
      h('td', {}, h('time', {datetime: i.started, title: i.started, text: ago(i.started)})),
      h('td', {class: ['num', i.appliedRevision === fleet.revision ? 'ok' : 'bad']},
          `${i.appliedRevision}`, i.appliedRevision === fleet.revision ? ' ✓ current' : ` (behind ${fleet.revision})`))));
}
