// The map: an equirectangular projection (x from longitude, y from latitude, both linear) in SVG,
// with land outlines, a 30° graticule, and each region as a dot coloured by its state and sized
// by its share of traffic (area proportional to the share), labelled with its name and state.

import {svg} from './dom.js';
import {percent} from './format.js';
import {LAND_PATH} from './land.js';

const SCALE = 1000 / 360;          // user units per degree
const NORTH = 72;                  // the map shows 72°N..56°S: no region sits nearer the poles
const SOUTH = -56;
export const WIDTH = 1000;
export const HEIGHT = (NORTH - SOUTH) * SCALE;

export function project(lat, lon) {
  return [(lon + 180) * SCALE, (NORTH - lat) * SCALE];
}

let regionLayer;
let clientLayer;

/** Draws the static parts into the <svg> element once. */
export function initMap(element) {
  element.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT.toFixed(1)}`);
  element.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  const graticule = [];
  for (let lon = -150; lon <= 150; lon += 30) {
    const [x] = project(0, lon);
    graticule.push(svg('line', {x1: x, x2: x, y1: 0, y2: HEIGHT, class: lon === 0 ? 'meridian' : null}));
  }
  for (let lat = -30; lat <= 60; lat += 30) {
    const [, y] = project(lat, 0);
    graticule.push(svg('line', {x1: 0, x2: WIDTH, y1: y, y2: y, class: lat === 0 ? 'equator' : null}));
  }
  regionLayer = svg('g', {class: 'regions'});
  clientLayer = svg('g', {class: 'client'});
  element.replaceChildren(
      svg('rect', {class: 'ocean', x: 0, y: 0, width: WIDTH, height: HEIGHT}),
      svg('g', {class: 'graticule'}, graticule),
      svg('path', {class: 'land', d: LAND_PATH, transform: `scale(${SCALE}) translate(0 ${-(90 - NORTH)})`}),
      clientLayer,
      regionLayer);
}

function radius(share) {
  return 6 + 26 * Math.sqrt(Math.max(0, Math.min(1, share || 0)));
}

function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/**
 * Places each label beside its dot where it covers no other label or dot: right, left, below,
 * above, in that order of preference (the first place when none is free).
 */
function placeLabels(dots) {
  const placed = [];
  const circles = dots.map((d) => ({x: d.x - d.r, y: d.y - d.r, w: 2 * d.r, h: 2 * d.r}));
  const ordered = [...dots].sort((a, b) => b.r - a.r);
  for (const d of ordered) {
    const w = Math.max(d.name.length * 9.4, d.detail.length * 7.6) + 8;
    const h = 36;
    const options = [
      {x: d.x + d.r + 4, y: d.y - h / 2, anchor: 'start'},
      {x: d.x - d.r - 4 - w, y: d.y - h / 2, anchor: 'end'},
      {x: d.x - w / 2, y: d.y + d.r + 2, anchor: 'middle'},
      {x: d.x - w / 2, y: d.y - d.r - 2 - h, anchor: 'middle'},
      {x: d.x + d.r + 4, y: d.y + d.r / 2, anchor: 'start'},
      {x: d.x + d.r + 4, y: d.y - d.r / 2 - h, anchor: 'start'},
    ];
    const fits = (o) => {
      const box = {x: o.x, y: o.y, w, h};
      return o.x >= 0 && o.x + w <= WIDTH && o.y >= 0 && o.y + h <= HEIGHT
          && !placed.some((p) => overlaps(p, box))
          && !circles.some((c, i) => dots[i] !== d && overlaps(c, box));
    };
    const choice = options.find(fits) || options.find((o) => o.x >= 0 && o.x + w <= WIDTH) || options[0];
    placed.push({x: choice.x, y: choice.y, w, h});
    d.label = {...choice, w, h};
  }
}

/**
 * Draws the regions: `regions` from /admin/regions, `states` their classify() results by name.
 * Regions without a location are left to the caller to list.
 */
export function drawRegions(regions, states) {
  const dots = regions.filter((r) => r.location).map((r) => {
    const [x, y] = project(r.location.lat, r.location.lon);
    const state = states.get(r.name).state;
    return {
      region: r, state, x, y, r: radius(r.share), name: r.name,
      detail: `${state.label} · ${percent(r.share)}`,
    };
  });
  placeLabels(dots);
  const groups = dots.map((d) => {
    const anchorX = d.label.anchor === 'start' ? d.label.x + 4 : d.label.anchor === 'end' ? d.label.x + d.label.w - 4
        : d.label.x + d.label.w / 2;
    return svg('g', {class: ['region', `state-${d.state.key}`], 'data-region': d.region.name},
        svg('title', {text: `${d.region.name}: ${d.state.label}, ${percent(d.region.share, 1)} of traffic`}),
        svg('circle', {class: 'halo', cx: d.x, cy: d.y, r: d.r + 4}),
        svg('circle', {class: 'dot', cx: d.x, cy: d.y, r: d.r}),
        svg('text', {class: 'name', x: anchorX, y: d.label.y + 15, 'text-anchor': d.label.anchor, text: d.name}),
        svg('text', {class: 'detail', x: anchorX, y: d.label.y + 32, 'text-anchor': d.label.anchor, text: d.detail}));
  });
  regionLayer.replaceChildren(...groups);
}

/** Marks where an explained client is, with a line to each region that would get its requests. */
export function drawClient(explanation, regions) {
  clientLayer.replaceChildren();
  const location = explanation && explanation.location;
  if (!location) {
    return;
  }
  const [cx, cy] = project(location.lat, location.lon);
  const byName = new Map(regions.map((r) => [r.name, r]));
  const lines = (explanation.candidates || [])
      .filter((c) => c.share > 0 && byName.get(c.region) && byName.get(c.region).location)
      .map((c) => {
        const target = byName.get(c.region).location;
        const [x, y] = project(target.lat, target.lon);
        const line = svg('line', {class: 'route', x1: cx, y1: cy, x2: x, y2: y});
        line.style.strokeWidth = `${1 + 5 * c.share}`;
        return line;
      });
  clientLayer.replaceChildren(...lines,
      svg('g', {class: 'client-mark'},
          svg('title', {text: `the explained client (${location.lat}, ${location.lon})`}),
          svg('path', {d: `M${cx - 6} ${cy - 6}L${cx + 6} ${cy + 6}M${cx - 6} ${cy + 6}L${cx + 6} ${cy - 6}`}),
          svg('text', {x: cx + 9, y: cy - 8, text: 'client'})));
}
