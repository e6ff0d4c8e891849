// What state a region is in, in words: the one place that turns /admin/regions into the five
// states the page colours (always with their name as text too) and into the reasons it shows.

import {duration, percent, plural} from './format.js';

/** The states, worst last; `key` is also the CSS class. */
export const STATES = {
  serving: {key: 'serving', label: 'Serving', rank: 0},
  degraded: {key: 'degraded', label: 'Degraded', rank: 1},
  drained: {key: 'drained', label: 'Drained', rank: 2},
  unavailable: {key: 'unavailable', label: 'Unavailable', rank: 3},
  breaker: {key: 'breaker', label: 'Breaker open', rank: 4},
};

function endpointProblem(endpoint) {
  if (endpoint.ejected) {
    const failures = endpoint.consecutiveFailures ? `, ${plural(endpoint.consecutiveFailures, 'failure')} in a row` : '';
    return `ejected for ${duration(endpoint.ejectedForMs)} more (outlier detection${failures})`;
  }
  if (endpoint.probe === 'down') {
    return endpoint.lastProbeProblem ? `probe down: ${endpoint.lastProbeProblem}` : 'probe down';
  }
  if (!endpoint.available) {
    return 'not available';
  }
  return null;
}

/** The endpoints that are not taking requests, each with why. */
export function endpointProblems(region) {
  return (region.endpoints || [])
      .map((e) => ({endpoint: e.endpoint, problem: endpointProblem(e)}))
      .filter((e) => e.problem !== null);
}

export function endpointCounts(region) {
  const endpoints = region.endpoints || [];
  return {
    total: endpoints.length,
    available: endpoints.filter((e) => e.available).length,
    ejected: endpoints.filter((e) => e.ejected).length,
  };
}

/**
 * The region's state and the reasons for it, most important first, with a few words for tight
 * places: {state: STATES.x, reasons: ['...'], summary: '...' or null}.
 */
export function classify(region) {
  const reasons = [];
  const counts = endpointCounts(region);
  const problems = endpointProblems(region);
  if (region.state === 'drained') {
    reasons.push('drained through the admin API: no new requests, requests in flight finish');
    return {state: STATES.drained, reasons, summary: 'no new requests'};
  }
  if (region.effectiveWeight === 0) {
    reasons.push('weight 0: no new requests (a weight override drains it)');
    return {state: STATES.drained, reasons, summary: 'weight 0'};
  }
  if (region.breaker === 'open') {
    const rates = [];
    if (region.failureRatePercent !== null && region.failureRatePercent !== undefined) {
      rates.push(`${region.failureRatePercent.toFixed(0)}% failures`);
    }
    if (region.slowCallRatePercent !== null && region.slowCallRatePercent !== undefined) {
      rates.push(`${region.slowCallRatePercent.toFixed(0)}% slow calls`);
    }
    reasons.push(`circuit breaker open${rates.length ? ` (${rates.join(', ')})` : ''}: the region as a whole is failing`);
    return {state: STATES.breaker, reasons, summary: 'failing as a whole'};
  }
  if (!region.available) {
    if (counts.total > 0 && counts.available === 0) {
      reasons.push(`none of its ${plural(counts.total, 'endpoint')} can take requests`);
    } else {
      reasons.push('cannot take new requests');
    }
    problems.forEach((p) => reasons.push(`${p.endpoint}: ${p.problem}`));
    return {state: STATES.unavailable, reasons, summary: counts.available === 0 ? 'no endpoint available' : 'cannot take requests'};
  }
  if (counts.available < counts.total) {
    reasons.push(`${counts.available} of ${plural(counts.total, 'endpoint')} available: it keeps part of its traffic, `
        + 'the rest spills to the next region');
    problems.forEach((p) => reasons.push(`${p.endpoint}: ${p.problem}`));
  }
  if (region.capacity !== undefined && region.capacity < 1) {
    reasons.push(`throttled by 429s: ${percent(region.capacity)} of its share for ${duration(region.throttledForMs)} more`);
  }
  if (region.breaker === 'half_open') {
    reasons.push('circuit breaker half-open: trial requests decide whether it closes');
  }
  const dial = region.dial;
  if (dial && dial.percent < 100) {
    reasons.push(`dial at ${dial.percent}%: keeps ${dial.percent}% of its traffic, the rest spills to the next region `
        + `(${dialSetter(dial)})`);
  }
  let summary = null;
  if (counts.available < counts.total) {
    summary = `${counts.available} of ${plural(counts.total, 'endpoint')} available`;
  } else if (region.capacity !== undefined && region.capacity < 1) {
    summary = `throttled to ${percent(region.capacity)} (429s)`;
  } else if (region.breaker === 'half_open') {
    summary = 'breaker half-open';
  } else if (dial && dial.percent < 100) {
    summary = `dial ${dial.percent}%`;
  }
  return {state: reasons.length ? STATES.degraded : STATES.serving, reasons, summary};
}

/** Who holds a dial where it is: "pinned by sre", "by slo-controller; the SRE left 100%", "nobody turned it". */
export function dialSetter(dial) {
  if (dial.pinned) {
    return `pinned by ${dial.set_by || 'an SRE'}`;
  }
  if (!dial.set_by) {
    return 'nobody turned it';
  }
  return dial.baseline !== dial.percent ? `by ${dial.set_by}; the SRE left ${dial.baseline}%` : `by ${dial.set_by}`;
}

/** "us-east4 (39.04, -77.49)" style coordinates. */
export function where(location) {
  if (!location) {
    return 'no location (ranked by latency)';
  }
  const lat = `${Math.abs(location.lat).toFixed(1)}°${location.lat >= 0 ? 'N' : 'S'}`;
  const lon = `${Math.abs(location.lon).toFixed(1)}°${location.lon >= 0 ? 'E' : 'W'}`;
  return `${lat} ${lon}`;
}
