// Building DOM nodes without parsing markup: every text is set as text, never parsed as HTML, and no
// inline style or event-handler attribute is ever written (the page's Content-Security-Policy
// forbids both). Sizes that depend on data are set through the CSSOM (element.style), which that
// policy allows.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(element, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key === 'text') {
      element.textContent = String(value);
    } else if (key === 'on') {
      for (const [event, listener] of Object.entries(value)) {
        element.addEventListener(event, listener);
      }
    } else if (key === 'class') {
      element.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** An HTML element: h('td', {class: 'num'}, '12 ms'). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Replaces the children of `element` (null, undefined and false children are left out). */
export function put(element, ...children) {
  element.replaceChildren();
  return build(element, {}, children);
}

/** Replaces the children of the element with id `id`. */
export function fill(id, ...children) {
  return put(document.getElementById(id), ...children);
}

export function byId(id) {
  return document.getElementById(id);
}

export function show(id, visible) {
  byId(id).hidden = !visible;
}
