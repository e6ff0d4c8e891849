// "Where would this client go, and why": the explain form and its answer as a ranking in words.

import {get} from './api.js';
import {byId, fill, h} from './dom.js';
import {km, ms, percent} from './format.js';
import {drawClient} from './map.js';

const DECISIONS = {
  geo: 'the nearest region by distance',
  latency: 'the region with the lowest measured latency',
  config_order: 'the first configured region (no location, no latency measured)',
  weight: 'shared by weight among equally good regions; this draw landed here',
  sticky: "the tenant's sticky region (rendezvous hashing over the equally good regions)",
  failover: 'a failover: the preferred region cannot take requests',
  hedge: 'a hedge',
  panic: 'panic mode: no region can take requests, so the nearest configured one is used anyway',
};

const RANKINGS = {
  geo: 'by great-circle distance from the client',
  latency: "by measured router-to-region latency (the client's location is unknown)",
  config_order: 'by configuration order (no location known and no latency measured)',
};

function why(candidate, bestLevel, peers, states) {
  if (!candidate.available) {
    const state = states.get(candidate.region);
    const reason = state ? (state.reasons[0] || state.state.label.toLowerCase()) : 'not available';
    return `not available: ${reason}`;
  }
  const dial = candidate.dial !== undefined && candidate.dial < 100
    ? `; dial at ${candidate.dial}%: keeps ${candidate.dial}% of what it would get, the rest spills to the next region` : '';
  return whyAvailable(candidate, bestLevel, peers) + dial;
}

function whyAvailable(candidate, bestLevel, peers) {
  if (candidate.level === bestLevel) {
    if (peers.length > 1) {
      const total = peers.reduce((sum, c) => sum + c.weight, 0);
      return `best level, within the tie band: shares by weight (${candidate.weight} of ${total})`;
    }
    return 'best level: the nearest available region';
  }
  if (candidate.share > 0) {
    return `level ${candidate.level}: takes what the better levels spill (partial health, throttling, dials)`;
  }
  return `level ${candidate.level}: farther than the tie band; used only when better regions cannot take requests`;
}

function sentence(answer) {
  const where = answer.location
    ? `at ${answer.location.lat}, ${answer.location.lon} (${answer.location.source === 'GEOIP' ? 'GeoIP' : 'given'})`
    : 'of unknown location';
  const who = `A request from ${answer.client} ${where} on route “${answer.route}”${answer.tenant ? ` for tenant ${answer.tenant}` : ''}`;
  if (!answer.decision) {
    return [`${who} is refused: no region can take it and panic routing is off.`];
  }
  return [`${who} goes to `, h('strong', {text: answer.decision.region}),
    ` (endpoint ${answer.decision.endpoint}): ${DECISIONS[answer.decision.reason] || answer.decision.reason}.`];
}

export function renderExplanation(answer, regionsDoc, states) {
  const candidates = answer.candidates || [];
  const available = candidates.filter((c) => c.available);
  const bestLevel = available.length ? Math.min(...available.map((c) => c.level)) : null;
  const peers = available.filter((c) => c.level === bestLevel);
  const rows = candidates.map((c) => {
    const state = states.get(c.region);
    const bar = h('span', {class: 'bar-fill'});
    bar.style.width = `${(c.share * 100).toFixed(1)}%`;
    return h('tr', {class: c.share > 0 ? 'gets' : null, 'data-region': c.region},
        h('td', {class: 'num', text: c.rank + 1}),
        h('th', {scope: 'row'}, c.region, state ? [' ', h('span', {class: ['badge', 'small', `state-${state.state.key}`]},
            h('span', {class: 'swatch', 'aria-hidden': 'true'}), state.state.label)] : null),
        h('td', {class: 'num', text: c.level}),
        h('td', {class: 'num', text: km(c.distanceKm)}),
        h('td', {class: 'num', text: ms(c.latencyMs)}),
        h('td', {class: 'num', text: c.costMs === null ? '–' : ms(c.costMs)}),
        h('td', {class: 'num', text: c.weight}),
        h('td', {class: 'num', text: `${c.availableEndpoints}/${c.endpoints}`}),
        h('td', {class: 'share'}, h('span', {class: 'bar'}, bar), h('span', {class: 'num', text: percent(c.share, c.share > 0 && c.share < 0.1 ? 1 : 0)})),
        h('td', {class: 'why', text: why(c, bestLevel, peers, states)}));
  });
  fill('explain-result',
      h('p', {class: 'answer'}, sentence(answer)),
      h('p', {class: 'muted', text: `Regions ranked ${RANKINGS[answer.rankedBy] || answer.rankedBy}; `
          + 'regions in the same level share by weight, a later level only gets what the earlier ones spill.'}),
      h('div', {class: 'table-wrap'},
          h('table', {class: 'ranking'},
              h('caption', {class: 'visually-hidden', text: 'Every region ranked for this client'}),
              h('thead', {}, h('tr', {},
                  ['Rank', 'Region', 'Level', 'Distance', 'Latency', 'Cost', 'Weight', 'Endpoints', 'Share of this client', 'Why']
                      .map((t) => h('th', {scope: 'col', text: t})))),
              h('tbody', {}, rows))));
  drawClient(answer, regionsDoc ? regionsDoc.regions : []);
}

/** Wires the form; `context()` gives the latest {regionsDoc, states}. */
export function initExplain(context) {
  const form = byId('explain-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = byId('explain-error');
    error.textContent = '';
    const params = new URLSearchParams();
    params.set('ip', byId('explain-ip').value.trim());
    const location = byId('explain-location').value.trim();
    if (location) {
      const parts = location.split(/[\s,]+/).filter(Boolean);
      if (parts.length !== 2 || parts.some((p) => Number.isNaN(Number(p)))) {
        error.textContent = 'Location: two numbers, latitude and longitude, e.g. 48.86, 2.35';
        return;
      }
      params.set('lat', parts[0]);
      params.set('lon', parts[1]);
    }
    const path = byId('explain-path').value.trim();
    if (path) {
      params.set('path', path);
    }
    const tenant = byId('explain-tenant').value.trim();
    if (tenant) {
      params.set('tenant', tenant);
    }
    try {
      const answer = await get(`/admin/explain?${params}`);
      const {regionsDoc, states} = context();
      renderExplanation(answer, regionsDoc, states);
    } catch (e) {
      error.textContent = e.detail || e.message;
    }
  });
  byId('explain-clear').addEventListener('click', () => {
    fill('explain-result');
    byId('explain-error').textContent = '';
    drawClient(null, []);
  });
}
