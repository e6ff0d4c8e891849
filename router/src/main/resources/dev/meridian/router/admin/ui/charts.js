// Small charts of /admin/traffic, drawn as inline SVG: requests per second (errors in red on top
// of the bars) and time to first byte (p50 and p99 lines), over the window the router keeps.

import {h, svg} from './dom.js';
import {ms, rate} from './format.js';

const W = 320;
const H = 64;
const PAD_TOP = 12;

function niceMax(value) {
  if (value <= 0) {
    return 1;
  }
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) {
      return step * power;
    }
  }
  return 10 * power;
}

function frame(label, maxText, spanText, children) {
  return svg('svg', {class: 'chart', viewBox: `0 0 ${W} ${H + 14}`, role: 'img', 'aria-label': label},
      svg('line', {class: 'axis', x1: 0, x2: W, y1: H, y2: H}),
      svg('line', {class: 'grid', x1: 0, x2: W, y1: PAD_TOP, y2: PAD_TOP}),
      svg('text', {class: 'tick', x: 2, y: PAD_TOP - 3, text: maxText}),
      ...children,
      svg('text', {class: 'tick', x: 2, y: H + 12, text: spanText}),
      svg('text', {class: 'tick', x: W - 2, y: H + 12, 'text-anchor': 'end', text: 'now'}));
}

function span(series, traffic) {
  const points = series.points.length;
  return points ? `−${Math.max(1, Math.round(points * traffic.intervalSeconds / 60))} min` : 'no samples yet';
}

/** Requests per second per interval, errors stacked in red. */
export function requestsChart(series, traffic) {
  const points = series.points;
  const seconds = traffic.intervalSeconds;
  const slots = Math.max(points.length, 12);
  const width = W / slots;
  const max = niceMax(Math.max(0, ...points.map((p) => p.requests / seconds)));
  const scale = (H - PAD_TOP) / max;
  const bars = [];
  points.forEach((p, i) => {
    const x = W - (points.length - i) * width;
    const ok = (p.requests - p.errors) / seconds;
    const bad = p.errors / seconds;
    if (ok > 0) {
      bars.push(svg('rect', {class: 'column', x: x + 0.5, width: Math.max(1, width - 1), y: H - ok * scale, height: ok * scale}));
    }
    if (bad > 0) {
      bars.push(svg('rect', {class: 'column error', x: x + 0.5, width: Math.max(1, width - 1),
        y: H - (ok + bad) * scale, height: bad * scale}));
    }
  });
  const last = series.lastMinute;
  const label = `${series.name}: requests per second over the last ${span(series, traffic).replace('−', '')}, `
      + `up to ${rate(max)}; last minute ${rate(last.requestsPerSecond)} with ${last.errors} errors`;
  return frame(label, rate(max), span(series, traffic), bars);
}

/** Time to first byte, p50 and p99 per interval (gaps where an interval had no requests). */
export function ttfbChart(series, traffic) {
  const points = series.points;
  const slots = Math.max(points.length, 12);
  const width = W / slots;
  const values = points.flatMap((p) => [p.ttfbP50Ms, p.ttfbP99Ms]).filter((v) => v !== null);
  const max = niceMax(Math.max(0, ...values));
  const scale = (H - PAD_TOP) / max;
  const line = (key, cls) => {
    let d = '';
    let pen = false;
    points.forEach((p, i) => {
      const value = p[key];
      if (value === null) {
        pen = false;
        return;
      }
      const x = W - (points.length - i - 0.5) * width;
      d += `${pen ? 'L' : 'M'}${x.toFixed(1)} ${(H - value * scale).toFixed(1)}`;
      pen = true;
    });
    const dots = points.length < 3 ? points.filter((p) => p[key] !== null).map((p) => svg('circle', {
      class: cls, r: 2, cx: W - (points.length - points.indexOf(p) - 0.5) * width, cy: H - p[key] * scale})) : [];
    return [svg('path', {class: ['line', cls], d}), ...dots];
  };
  const last = series.lastMinute;
  const label = `${series.name}: time to first byte, p50 ${ms(last.ttfbP50Ms)} and p99 ${ms(last.ttfbP99Ms)} over the last minute`;
  return frame(label, ms(max), span(series, traffic), [...line('ttfbP99Ms', 'p99'), ...line('ttfbP50Ms', 'p50')]);
}

/** One region's card: the numbers of the last minute over its two charts. */
export function trafficCard(series, traffic, state) {
  const last = series.lastMinute;
  const errorRate = last.requests ? last.errors / last.requests : 0;
  return h('article', {class: 'traffic-card', 'data-region': series.name},
      h('h3', {},
          h('span', {class: ['badge', `state-${state.key}`]}, h('span', {class: 'swatch', 'aria-hidden': 'true'}), state.label),
          ' ', series.name),
      h('dl', {class: 'figures'},
          h('div', {}, h('dt', {text: 'requests'}), h('dd', {text: rate(last.requestsPerSecond)})),
          h('div', {class: last.errors ? 'bad' : null}, h('dt', {text: 'errors'}),
              h('dd', {text: last.requests ? `${last.errors} (${(errorRate * 100).toFixed(errorRate && errorRate < 0.01 ? 2 : 0)}%)` : '0'})),
          h('div', {}, h('dt', {text: 'TTFB p50'}), h('dd', {text: ms(last.ttfbP50Ms)})),
          h('div', {}, h('dt', {text: 'TTFB p99'}), h('dd', {text: ms(last.ttfbP99Ms)}))),
      h('div', {class: 'charts'},
          h('figure', {}, requestsChart(series, traffic),
              h('figcaption', {}, 'requests/s ', h('span', {class: 'key error', text: 'errors'}))),
          h('figure', {}, ttfbChart(series, traffic),
              h('figcaption', {}, 'time to first byte ', h('span', {class: 'key p50', text: 'p50'}), ' ',
                  h('span', {class: 'key p99', text: 'p99'})))));
}

/** A tiny requests-per-second chart for a table cell (errors in red), with the same data as the cards. */
export function sparkline(series, traffic) {
  const width = 72;
  const height = 20;
  const points = series.points.slice(-24);
  const slots = Math.max(points.length, 12);
  const step = width / slots;
  const max = Math.max(1e-9, ...points.map((p) => p.requests));
  const bars = [];
  points.forEach((p, i) => {
    const x = width - (points.length - i) * step;
    const ok = ((p.requests - p.errors) / max) * (height - 1);
    const bad = (p.errors / max) * (height - 1);
    if (ok > 0) {
      bars.push(svg('rect', {class: 'column', x: x + 0.3, width: Math.max(0.8, step - 0.6), y: height - ok, height: ok}));
    }
    if (bad > 0) {
      bars.push(svg('rect', {class: 'column error', x: x + 0.3, width: Math.max(0.8, step - 0.6), y: height - ok - Math.max(1.5, bad),
        height: Math.max(1.5, bad)}));
    }
  });
  return svg('svg', {class: 'sparkline', viewBox: `0 0 ${width} ${height}`, width, height, 'aria-hidden': 'true'},
      svg('line', {class: 'axis', x1: 0, x2: width, y1: height - 0.5, y2: height - 0.5}), bars);
}
