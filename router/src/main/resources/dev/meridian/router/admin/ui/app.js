// The status page: signs in with an admin token, then reads the admin API every 2 s and shows
// where traffic goes and why. Everything it shows comes from /admin/* on this origin.

import {ApiError, adoptTokenFromFragment, clearToken, get, setToken, token} from './api.js';
import {ACTIONS, openAction} from './actions.js';
import {renderActivity, renderFleet} from './activity.js';
import {sparkline, trafficCard} from './charts.js';
import {byId, fill, h, put, show} from './dom.js';
import {initExplain} from './explain.js';
import {ago, clock, duration, ms, percent, plural, rate} from './format.js';
import {drawRegions, initMap} from './map.js';
import {STATES, classify, dialSetter, endpointCounts, where} from './regions.js';

const REFRESH_MS = 2000;

const view = {
  who: null,            // {token, scope} from /admin/whoami
  regionsDoc: null,     // /admin/regions
  states: new Map(),    // region name -> classify()
  traffic: null,        // /admin/traffic
  audit: null,
  fleet: null,
  lastOk: 0,
  failingSince: 0,
  failure: null,
  generation: 0,        // bumped at sign-out: a loop of an older generation stops
  readOnly: true,
};

// ---- signing in and out ----

function showSignIn(problem) {
  view.generation++;
  show('dashboard', false);
  show('who', false);
  show('sign-in', true);
  fill('summary');
  fill('banners');
  byId('sign-in-error').textContent = problem || '';
  byId('token-input').value = '';
  byId('token-input').focus();
}

async function signIn() {
  byId('sign-in-error').textContent = '';
  try {
    view.who = await get('/admin/whoami');
  } catch (e) {
    if (e.status === 401) {
      clearToken();
      showSignIn('That token is not accepted by this router (it is not one of admin.tokens or the token file).');
    } else {
      showSignIn(`Cannot sign in: ${e.detail || e.message}`);
    }
    return;
  }
  view.readOnly = view.who.scope !== 'write';
  fill('who-name', h('span', {class: 'token-name', text: view.who.token}), ' ',
      h('span', {class: ['scope', view.readOnly ? 'read' : 'write'], text: view.readOnly ? 'read only' : 'may change'}));
  document.body.classList.toggle('can-write', !view.readOnly);
  show('sign-in', false);
  show('who', true);
  show('dashboard', true);
  const generation = ++view.generation;
  loop(generation);
}

function signOut(problem) {
  clearToken();
  view.who = null;
  view.regionsDoc = null;
  view.traffic = null;
  view.audit = null;
  view.fleet = null;
  fetchedAt.traffic = 0;
  fetchedAt.audit = 0;
  fetchedAt.fleet = 0;
  byId('regions-body').replaceChildren();
  rows.clear();
  showSignIn(problem);
}

// ---- the refresh loop ----

async function loop(generation) {
  while (generation === view.generation) {
    try {
      await refresh(generation);
    } catch (e) {
      console.error('status page: refresh failed', e); // a bug of the page; keep refreshing
    }
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
  }
}

// The regions every refresh (2 s); the rest when it may have changed: the traffic history once
// per interval, the audit trail and the fleet when the revision moved (the fleet also while it
// converges), else every 10 s.
const SLOW_MS = 10000;
const fetchedAt = {traffic: 0, audit: 0, fleet: 0};

function due(key, everyMs, revisionMoved) {
  return revisionMoved || Date.now() - fetchedAt[key] >= everyMs;
}

async function refresh(generation = view.generation) {
  try {
    const regionsDoc = await get('/admin/regions');
    const moved = !view.regionsDoc || view.regionsDoc.revision !== regionsDoc.revision;
    const trafficEvery = view.traffic ? Math.min(REFRESH_MS * 2, view.traffic.intervalSeconds * 1000) : 0;
    const wanted = {
      traffic: due('traffic', trafficEvery, false),
      audit: due('audit', SLOW_MS, moved),
      fleet: due('fleet', view.fleet && !view.fleet.converged ? 0 : SLOW_MS, moved), // converging: every time
    };
    const [traffic, audit, fleet] = await Promise.all([
      wanted.traffic ? get('/admin/traffic') : view.traffic,
      wanted.audit ? get('/admin/audit?limit=20') : view.audit,
      wanted.fleet ? get('/admin/fleet') : view.fleet,
    ]);
    if (generation !== view.generation) {
      return null;
    }
    for (const key of Object.keys(wanted)) {
      if (wanted[key]) {
        fetchedAt[key] = Date.now();
      }
    }
    Object.assign(view, {regionsDoc, audit, fleet, traffic, lastOk: Date.now(), failingSince: 0, failure: null});
  } catch (e) {
    if (generation !== view.generation) {
      return null;
    }
    if (!(e instanceof ApiError)) {
      throw e; // a bug of the page, not an answer of the router: to the console
    }
    if (e.status === 401) {
      signOut('The router no longer accepts this token (a reload may have changed admin.tokens). Sign in again.');
      return null;
    }
    view.failure = e;
    view.failingSince = view.failingSince || Date.now();
    renderBanners();
    return null;
  }
  render();
  return view.regionsDoc;
}

// ---- rendering ----

function render() {
  const doc = view.regionsDoc;
  view.states = new Map(doc.regions.map((r) => [r.name, classify(r)]));
  renderSummary();
  renderBanners();
  drawRegions(doc.regions, view.states);
  const unmapped = doc.regions.filter((r) => !r.location).map((r) => r.name);
  fill('unmapped', unmapped.length ? `Not on the map (no location configured, ranked by latency): ${unmapped.join(', ')}` : '');
  renderStory();
  renderTable();
  renderTraffic();
  renderActivity(view.audit, view.traffic);
  renderFleet(view.fleet);
  byId('dashboard').setAttribute('data-revision', doc.revision);
}

function badge(state, extra) {
  return h('span', {class: ['badge', `state-${state.key}`, extra]},
      h('span', {class: 'swatch', 'aria-hidden': 'true'}), state.label);
}

function renderSummary() {
  const doc = view.regionsDoc;
  const counts = new Map();
  for (const s of view.states.values()) {
    counts.set(s.state.key, (counts.get(s.state.key) || 0) + 1);
  }
  const parts = Object.values(STATES).filter((s) => counts.get(s.key))
      .map((s) => h('li', {}, badge(s), h('span', {class: 'count', text: ` ${counts.get(s.key)}`})));
  fill('summary',
      h('ul', {class: 'state-counts', 'aria-label': 'Regions by state'}, parts),
      h('span', {class: 'meta'},
          h('span', {text: `revision ${doc.revision}`}),
          h('span', {text: `state: ${doc.store.kind}, ${doc.store.state}`}),
          h('span', {id: 'updated', text: `updated ${clock(view.lastOk)}`})));
}

function renderBanners() {
  const banners = [];
  const doc = view.regionsDoc;
  if (view.failure) {
    banners.push(h('div', {class: 'banner error', role: 'alert'},
        h('strong', {text: 'The admin API is not answering. '}),
        `Since ${clock(view.failingSince)}: ${view.failure.detail || view.failure.message}. `,
        view.lastOk ? `The page shows the state of ${clock(view.lastOk)} and keeps trying.` : 'Retrying.'));
  }
  if (doc && doc.stale) {
    banners.push(h('div', {class: 'banner warning', role: 'alert', id: 'stale-banner'},
        h('strong', {text: `The state store (${doc.store.kind}) is unavailable `}),
        `since ${clock(doc.store.since)} (${ago(doc.store.since)})${doc.store.problem ? `: ${doc.store.problem}` : ''}. `
        + 'What you see is the last state this instance applied, and it keeps routing with it; '
        + 'changes are refused until the store answers again.'));
  }
  if (view.notice) {
    banners.push(h('div', {class: 'banner ok', role: 'status'}, view.notice,
        h('button', {type: 'button', class: 'link', text: 'Dismiss', on: {click: () => {
          view.notice = null;
          renderBanners();
        }}})));
  }
  fill('banners', banners);
}

function renderStory() {
  const doc = view.regionsDoc;
  const items = [];
  const serving = doc.regions.filter((r) => r.available);
  const total = doc.regions.length;
  if (serving.length === 0) {
    items.push(h('li', {class: 'bad'}, h('strong', {text: 'No region can take requests. '}),
        'Requests go to the nearest configured region anyway (panic mode), or are refused with 503 if panic routing is off.'));
  } else {
    const top = [...serving].sort((a, b) => b.share - a.share)
        .filter((r) => r.share > 0).map((r) => `${r.name} ${percent(r.share)}`).join(', ');
    items.push(h('li', {}, `${serving.length} of ${plural(total, 'region')} can take requests`,
        top ? `; recent traffic goes to ${top}.` : '.'));
  }
  if (view.traffic) {
    const all = [...view.traffic.regions, view.traffic.noRegion].map((t) => t.lastMinute);
    const perSecond = all.reduce((sum, t) => sum + t.requestsPerSecond, 0);
    const requests = all.reduce((sum, t) => sum + t.requests, 0);
    const errors = all.reduce((sum, t) => sum + t.errors, 0);
    const worst = view.traffic.regions.filter((t) => t.lastMinute.ttfbP99Ms !== null)
        .sort((a, b) => b.lastMinute.ttfbP99Ms - a.lastMinute.ttfbP99Ms)[0];
    if (requests > 0) {
      items.push(h('li', {class: errors ? 'bad' : null}, `Last minute: ${rate(perSecond)} requests, `
          + `${plural(errors, 'error')} (${percent(errors / requests, errors && errors / requests < 0.01 ? 2 : 0)})`
          + (worst ? `; slowest time to first byte p99: ${ms(worst.lastMinute.ttfbP99Ms)} in ${worst.name}.` : '.')));
    }
  }
  const changes = (view.audit && view.audit.changes) || [];
  for (const r of doc.regions) {
    const s = view.states.get(r.name);
    if (s.state === STATES.serving) {
      continue;
    }
    let by = '';
    if (s.state === STATES.drained) {
      const last = changes.find((c) => c.region === r.name && (c.action === 'drain' || c.action === 'weight'));
      if (last) {
        by = ` — by ${last.token} ${ago(last.time)}${last.reason ? ` (“${last.reason}”)` : ''}`;
      }
    }
    items.push(h('li', {'data-region': r.name}, badge(s.state, 'small'), ' ', h('strong', {text: r.name}), `: ${s.reasons[0]}${by}.`,
        s.reasons.length > 1 ? h('ul', {}, s.reasons.slice(1).map((reason) => h('li', {text: reason}))) : null));
  }
  const failovers = (view.traffic && view.traffic.failovers) || [];
  if (failovers.length) {
    const byPair = new Map();
    for (const f of failovers) {
      const key = `${f.from} → ${f.to}`;
      byPair.set(key, (byPair.get(key) || 0) + f.count);
    }
    const minutes = Math.round(view.traffic.windowSeconds / 60);
    items.push(h('li', {}, `Failovers in the last ${minutes} min: `,
        [...byPair].map(([pair, count]) => `${pair} ×${count}`).join(', '), '.'));
  }
  const none = view.traffic && view.traffic.noRegion && view.traffic.noRegion.lastMinute;
  if (none && none.requests > 0) {
    items.push(h('li', {class: none.errors ? 'bad' : null},
        `${plural(none.requests, 'request')} in the last minute were answered by the router itself without a region `
        + `(${none.errors} of them 5xx: no region available, or nothing left to retry).`));
  }
  if (view.fleet && !view.fleet.converged) {
    items.push(h('li', {class: 'bad', text: `The fleet has not converged on revision ${view.fleet.revision} yet.`}));
  }
  if (doc.regions.every((r) => view.states.get(r.name).state === STATES.serving) && !failovers.length) {
    items.push(h('li', {class: 'ok', text: 'Every region is serving normally; no failovers recently.'}));
  }
  fill('story', items);
}

// The table keeps one row per region and updates its cells, so that focus and an open action
// menu survive the refreshes.
const rows = new Map();

function cell(row, key) {
  return row.querySelector(`[data-col="${key}"]`);
}

function newRow(region) {
  const columns = ['state', 'weight', 'share', 'dial', 'available', 'breaker', 'rtt', 'capacity', 'endpoints', 'traffic'];
  const row = h('tr', {'data-region': region.name},
      h('th', {scope: 'row', 'data-col': 'name'}),
      columns.map((c) => h('td', {'data-col': c, class: ['state', 'endpoints'].includes(c) ? null : 'num'})),
      h('td', {'data-col': 'actions', class: 'actions write-only'}));
  return row;
}

function renderActions(td, region) {
  if (view.readOnly) {
    td.replaceChildren();
    return;
  }
  const wanted = ACTIONS.filter((a) => a.applies(region));
  const key = wanted.map((a) => a.id).join(',');
  if (td.getAttribute('data-actions') === key) {
    return; // keep the buttons (and a focused one) as they are
  }
  td.setAttribute('data-actions', key);
  put(td, ...wanted.map((a) => h('button', {
    type: 'button', class: ['action', a.danger ? 'danger' : null], 'data-action': a.id, text: a.label,
    'aria-label': `${a.title(region)}`, 'aria-haspopup': 'dialog',
    on: {click: () => {
      const doc = view.regionsDoc;
      const current = doc.regions.find((r) => r.name === region.name);
      openAction(a, current, doc.revision, actionContext);
    }},
  })));
}

const actionContext = {
  refresh: () => refresh(),
  notify: (text) => {
    view.notice = text;
    renderBanners();
  },
  readOnly: () => {
    view.readOnly = true;
    document.body.classList.remove('can-write');
    render();
  },
};

function renderTable() {
  const doc = view.regionsDoc;
  const body = byId('regions-body');
  const traffic = new Map(((view.traffic && view.traffic.regions) || []).map((t) => [t.name, t]));
  const seen = new Set();
  doc.regions.forEach((r) => {
    seen.add(r.name);
    let row = rows.get(r.name);
    if (!row) {
      row = newRow(r);
      rows.set(r.name, row);
    }
    body.append(row); // (re)appends in configuration order
    const s = view.states.get(r.name);
    row.className = `state-${s.state.key}`;
    put(cell(row, 'name'), r.name, h('span', {class: 'sub', text: where(r.location)}));
    put(cell(row, 'state'), badge(s.state), s.summary ? h('span', {class: 'sub', text: s.summary}) : null);
    const override = r.weightOverride !== null && r.weightOverride !== undefined;
    put(cell(row, 'weight'), h('span', {text: `${r.effectiveWeight}`}),
        h('span', {class: 'sub', text: r.state === 'drained' ? `drained, keeps ${override ? r.weightOverride : r.configuredWeight}`
          : override ? `override; configured ${r.configuredWeight}` : 'configured'}));
    const bar = h('span', {class: 'bar-fill'});
    bar.style.width = `${(r.share * 100).toFixed(1)}%`;
    put(cell(row, 'share'), h('span', {class: 'bar'}, bar), h('span', {text: percent(r.share, 1)}));
    const dial = r.dial || {percent: 100, baseline: 100, pinned: false, set_by: null};
    put(cell(row, 'dial'), h('span', {class: dial.percent < 100 ? 'warn' : null, text: `${dial.percent}%`}),
        dial.set_by ? h('span', {class: 'sub', text: dialSetter(dial)}) : null);
    put(cell(row, 'available'), h('span', {class: r.available ? 'ok' : 'bad', text: r.available ? 'yes' : 'no'}));
    const rates = [r.failureRatePercent ? `${r.failureRatePercent.toFixed(0)}% failed` : null,
      r.slowCallRatePercent ? `${r.slowCallRatePercent.toFixed(0)}% slow` : null].filter(Boolean).join(', ');
    put(cell(row, 'breaker'), h('span', {class: r.breaker === 'open' ? 'bad' : r.breaker === 'half_open' ? 'warn' : null,
      text: (r.breaker || '–').replace('_', '-')}), rates ? h('span', {class: 'sub', text: rates}) : null);
    cell(row, 'rtt').textContent = ms(r.probeRttMs);
    put(cell(row, 'capacity'), h('span', {class: r.capacity < 1 ? 'warn' : null, text: percent(r.capacity)}),
        r.capacity < 1 ? h('span', {class: 'sub', text: `429s: ${duration(r.throttledForMs)} left`}) : null);
    const counts = endpointCounts(r);
    // All endpoints in the tooltip; on the page, the count and the ones that are not taking requests.
    put(cell(row, 'endpoints'),
        h('span', {class: counts.available < counts.total ? 'warn' : null, text: `${counts.available}/${counts.total} available`,
          title: (r.endpoints || []).map((e) => `${e.endpoint}: ${e.available ? 'available' : 'not available'}, probe ${e.probe}`).join('\n')}),
        counts.ejected ? h('span', {text: ` · ${counts.ejected} ejected`}) : null,
        h('ul', {class: 'endpoint-list'}, (r.endpoints || []).filter((e) => !e.available).map((e) => h('li', {class: 'bad'},
            h('span', {class: 'mono', text: e.endpoint}), ' ',
            e.ejected ? `ejected, ${duration(e.ejectedForMs)} left`
              : e.probe === 'down' ? `probe down${e.lastProbeProblem ? `: ${e.lastProbeProblem}` : ''}` : 'not available'))));
    const t = traffic.get(r.name);
    put(cell(row, 'traffic'), t ? [sparkline(t, view.traffic), ' ', h('span', {text: rate(t.lastMinute.requestsPerSecond)})] : '–',
        t ? h('span', {class: ['sub', t.lastMinute.errors ? 'bad' : null],
          text: `${plural(t.lastMinute.errors, 'error')} · p99 ${ms(t.lastMinute.ttfbP99Ms)}`}) : null);
    renderActions(cell(row, 'actions'), r);
  });
  for (const [name, row] of rows) {
    if (!seen.has(name)) {
      row.remove();
      rows.delete(name);
    }
  }
}

function renderTraffic() {
  const traffic = view.traffic;
  if (!traffic) {
    return;
  }
  const points = traffic.regions.length ? traffic.regions[0].points.length : 0;
  const minutes = Math.max(1, Math.round(points * traffic.intervalSeconds / 60));
  fill('traffic-span', points
    ? `last ${minutes} min in ${traffic.intervalSeconds} s intervals, from the router's own meters`
    : `the first interval closes within ${traffic.intervalSeconds} s`);
  fill('traffic', traffic.regions.map((series) => {
    const s = view.states.get(series.name);
    return trafficCard(series, traffic, s ? s.state : STATES.serving);
  }));
}

// ---- start ----

function start() {
  const hadFragment = adoptTokenFromFragment();
  initMap(byId('map'));
  initExplain(() => ({regionsDoc: view.regionsDoc, states: view.states}));
  byId('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = byId('token-input').value.trim();
    if (!value) {
      byId('sign-in-error').textContent = 'Enter an admin token.';
      return;
    }
    setToken(value);
    signIn();
  });
  byId('sign-out').addEventListener('click', () => signOut());
  // A #token= link opened in a tab that already shows the page changes only the fragment.
  window.addEventListener('hashchange', () => {
    if (adoptTokenFromFragment() && token()) {
      signIn();
    }
  });
  if (token()) {
    signIn();
  } else {
    showSignIn(hadFragment ? 'The link had an empty token.' : '');
  }
}

start();
