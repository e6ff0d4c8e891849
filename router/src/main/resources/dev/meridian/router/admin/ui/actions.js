// Steering, for write tokens: weight changes, drains and traffic dials, each previewed with a dry run (the
// traffic shares it would give) before it is applied, and each sent with If-Match carrying the
// revision the page showed when the user decided, so that a change made meanwhile by someone
// else is refused (412) instead of being overwritten.

import {call, ApiError} from './api.js';
import {byId, h} from './dom.js';
import {percent} from './format.js';

/** A region's dial as GET /admin/regions shows it (a router without dials shows none: 100 %). */
const dialOf = (r) => r.dial || {percent: 100, baseline: 100, pinned: false, set_by: null};

/**
 * The write actions the regions table offers for a region, in order. Each one opens the dialog
 * below: `request(region, input)` is the call ({method, path, body}) for `input` ({value, pinned,
 * reason}); `number` the numeric input it needs, if any (previewed on demand, since the user
 * types it; an action without one is previewed at once); `pinned` whether it offers the pin.
 */
export const ACTIONS = [
  {
    id: 'weight',
    label: 'Weight',
    title: (r) => `Change the weight of ${r.name}`,
    applies: () => true,
    number: {id: 'weight', min: 0, max: 1000, value: (r) => r.weightOverride ?? r.configuredWeight,
      label: (r) => `New weight (0–1000; now ${r.effectiveWeight}, configured ${r.configuredWeight})`,
      invalid: 'Weight: a whole number from 0 to 1000.', what: 'the new weight'},
    confirm: (r, input) => `Set weight ${input.value}`,
    request: (r, input) => ({method: 'PUT', path: `/admin/regions/${encodeURIComponent(r.name)}/weight`,
      body: {weight: input.value, reason: input.reason || undefined}}),
    done: (r, input) => `Weight of ${r.name} set to ${input.value}`,
  },
  {
    id: 'dial',
    label: 'Dial',
    title: (r) => `Turn the traffic dial of ${r.name}`,
    applies: () => true,
    number: {id: 'dial', min: 0, max: 100, value: (r) => dialOf(r).percent,
      label: (r) => `Keep this much of its traffic, in % (0–100; now ${dialOf(r).percent}%)`,
      invalid: 'Dial: a whole number from 0 to 100.', what: 'the new dial'},
    pinned: true,
    explain: 'The region keeps this share of the traffic it would get; the rest spills to the next-ranked regions. '
        + 'Not a drain: at 0 % it still takes traffic when no other region can. The SLO controller leaves a pinned dial alone.',
    confirm: (r, input) => `Set dial to ${input.value}%`,
    request: (r, input) => ({method: 'PUT', path: `/admin/regions/${encodeURIComponent(r.name)}/dial`,
      body: {percent: input.value, pinned: input.pinned, reason: input.reason || undefined}}),
    done: (r, input) => `Dial of ${r.name} set to ${input.value}%${input.pinned ? ', pinned' : ''}`,
  },
  {
    id: 'unpin',
    label: 'Unpin',
    title: (r) => `Unpin the dial of ${r.name}?`,
    applies: (r) => dialOf(r).pinned,
    explain: 'The dial stays where it is; the SLO controller may turn it again (never above it).',
    confirm: (r) => `Unpin at ${dialOf(r).percent}%`,
    request: (r, input) => ({method: 'PUT', path: `/admin/regions/${encodeURIComponent(r.name)}/dial`,
      body: {pinned: false, reason: input.reason || undefined}}),
    done: (r) => `Dial of ${r.name} unpinned at ${dialOf(r).percent}%`,
  },
  {
    id: 'reset',
    label: 'Reset',
    title: (r) => `Reset the weight of ${r.name} to its configured ${r.configuredWeight}`,
    applies: (r) => r.weightOverride !== null && r.weightOverride !== undefined,
    confirm: (r) => `Reset to ${r.configuredWeight}`,
    request: (r, input) => ({method: 'DELETE', path: `/admin/regions/${encodeURIComponent(r.name)}/weight`,
      body: input.reason ? {reason: input.reason} : undefined}),
    done: (r) => `Weight of ${r.name} reset to its configured ${r.configuredWeight}`,
  },
  {
    id: 'drain',
    label: 'Drain',
    title: (r) => `Drain ${r.name}?`,
    applies: (r) => r.state !== 'drained',
    danger: true,
    explain: 'A drained region gets no new requests; requests and streams in flight finish where they are. '
        + 'Its weight is kept for when it is undrained.',
    confirm: (r) => `Drain ${r.name}`,
    request: (r, input) => ({method: 'POST', path: `/admin/regions/${encodeURIComponent(r.name)}/drain`,
      body: input.reason ? {reason: input.reason} : undefined}),
    done: (r) => `${r.name} drained`,
  },
  {
    id: 'undrain',
    label: 'Undrain',
    title: (r) => `Undrain ${r.name}?`,
    applies: (r) => r.state === 'drained',
    explain: 'The region takes new requests again, at its weight.',
    confirm: (r) => `Undrain ${r.name}`,
    request: (r, input) => ({method: 'POST', path: `/admin/regions/${encodeURIComponent(r.name)}/undrain`,
      body: input.reason ? {reason: input.reason} : undefined}),
    done: (r) => `${r.name} undrained`,
  },
];

function sharesTable(preview, regionName) {
  const rows = preview.shares.map((s) => {
    const delta = s.projected - s.current;
    const before = h('span', {class: 'bar-fill before'});
    before.style.width = `${(s.current * 100).toFixed(1)}%`;
    const after = h('span', {class: 'bar-fill after'});
    after.style.width = `${(s.projected * 100).toFixed(1)}%`;
    return h('tr', {class: s.region === regionName ? 'subject' : null, 'data-region': s.region},
        h('th', {scope: 'row', text: s.region}),
        h('td', {class: 'num', text: percent(s.current)}),
        h('td', {class: 'num', text: percent(s.projected)}),
        h('td', {class: ['num', delta > 0.0005 ? 'up' : delta < -0.0005 ? 'down' : null],
          text: Math.abs(delta) < 0.0005 ? '±0' : `${delta > 0 ? '+' : '−'}${percent(Math.abs(delta))}`}),
        h('td', {class: 'compare'}, h('span', {class: 'bar'}, before), h('span', {class: 'bar'}, after)));
  });
  return h('table', {class: 'preview'},
      h('caption', {text: `Traffic shares now and after (dry run at revision ${preview.revision})`}),
      h('thead', {}, h('tr', {}, ['Region', 'Now', 'After', 'Change', ''].map((t) => h('th', {scope: 'col', text: t})))),
      h('tbody', {}, rows));
}

function describeRegion(r) {
  const weight = r.weightOverride !== null && r.weightOverride !== undefined
    ? `weight ${r.weightOverride} (override; configured ${r.configuredWeight})` : `weight ${r.configuredWeight}`;
  const dial = dialOf(r);
  return `${r.name} is now ${r.state === 'drained' ? 'drained' : 'active'}, ${weight}, dial ${dial.percent}%`
      + `${dial.pinned ? ' (pinned)' : ''}, ${percent(r.share)} of traffic.`;
}

/**
 * Opens the dialog of `action` for region `region` (as shown, from the regions document at
 * `revision`). `context.refresh()` reloads the page's data and resolves to the new regions
 * document; `context.notify(text)` shows a result; `context.readOnly()` hides write controls
 * after a 403.
 */
export function openAction(action, region, revision, context) {
  const dialog = byId('action-dialog');
  let preview = null;
  const number = action.number;
  const numberInput = number ? h('input', {id: `action-${number.id}`, type: 'number', min: number.min, max: number.max,
    step: 1, required: true, value: number.value(region), inputmode: 'numeric'}) : null;
  const pinnedInput = action.pinned ? h('input', {id: 'action-pinned', type: 'checkbox', checked: true}) : null;
  const reasonInput = h('input', {id: 'action-reason', type: 'text', maxlength: 500, autocomplete: 'off',
    placeholder: 'ticket or incident, kept in the audit trail'});
  const previewArea = h('div', {id: 'action-preview', 'aria-live': 'polite'});
  const message = h('div', {id: 'action-message', role: 'alert'});
  const confirm = h('button', {type: 'submit', id: 'action-confirm', class: action.danger ? 'danger' : 'primary',
    disabled: true, text: action.confirm(region, {value: numberInput ? numberInput.value : null})});
  const previewButton = h('button', {type: 'button', id: 'action-preview-button', text: 'Preview'});
  const cancel = h('button', {type: 'button', id: 'action-cancel', text: 'Cancel'});

  const input = () => ({value: numberInput ? Number(numberInput.value) : null, pinned: pinnedInput ? pinnedInput.checked : null,
    reason: reasonInput.value.trim()});

  const showError = (e) => {
    message.replaceChildren();
    if (e instanceof ApiError && e.status === 412) {
      message.className = 'message conflict';
      message.append(h('strong', {text: 'Someone else changed it.'}),
          ` The state moved on since you looked (you saw revision ${revision}; it is now ${e.etag ? e.etag.replace(/"/g, '') : 'newer'}). `
          + 'Nothing was changed. ');
      confirm.disabled = true;
      context.refresh().then((doc) => {
        const now = doc && doc.regions.find((r) => r.name === region.name);
        if (now) {
          message.append(h('span', {class: 'new-state', text: describeRegion(now)}), ' ');
        }
        message.append(h('button', {type: 'button', id: 'action-review', text: 'Review again',
          on: {click: () => {
            dialog.close();
            if (now && doc) {
              const next = ACTIONS.find((a) => a.id === action.id && a.applies(now));
              if (next) {
                openAction(next, now, doc.revision, context);
              }
            }
          }}}));
      });
      return;
    }
    message.className = 'message error';
    if (e instanceof ApiError && e.status === 403) {
      message.textContent = 'This token may only read: it cannot change anything.';
      context.readOnly();
      return;
    }
    message.textContent = e.detail || e.message;
  };

  const runPreview = async () => {
    message.replaceChildren();
    message.className = '';
    if (numberInput && !numberInput.checkValidity()) {
      message.className = 'message error';
      message.textContent = number.invalid;
      return;
    }
    const request = action.request(region, input());
    try {
      const answer = await call(request.method, `${request.path}?dry_run=true`, {body: request.body, ifMatch: revision});
      preview = {input: input(), body: answer.body};
      previewArea.replaceChildren(sharesTable(answer.body, region.name));
      confirm.textContent = action.confirm(region, input());
      confirm.disabled = false;
    } catch (e) {
      showError(e);
    }
  };

  const changed = () => {
    confirm.disabled = true;
    confirm.textContent = action.confirm(region, input());
    previewArea.replaceChildren(h('p', {class: 'muted', text: `Preview ${number.what} to see where traffic would go.`}));
  };
  if (numberInput) {
    numberInput.addEventListener('input', changed);
  }
  if (pinnedInput) {
    pinnedInput.addEventListener('change', () => {
      confirm.disabled = true; // previewed without this choice: preview again
    });
  }
  previewButton.addEventListener('click', runPreview);
  cancel.addEventListener('click', () => dialog.close());

  const form = h('form', {method: 'dialog', id: 'action-form'},
      h('h2', {id: 'action-title', text: action.title(region)}),
      action.explain ? h('p', {class: 'muted', text: action.explain}) : null,
      h('p', {class: 'revision muted', text: `Based on revision ${revision}, the one shown; if it moves before you confirm, nothing is changed.`}),
      numberInput ? h('div', {class: 'field'},
          h('label', {for: numberInput.id, text: number.label(region)}), numberInput) : null,
      pinnedInput ? h('div', {class: 'field checkbox'}, pinnedInput,
          h('label', {for: 'action-pinned', text: 'Pin it (the SLO controller leaves a pinned dial alone)'})) : null,
      h('div', {class: 'field'}, h('label', {for: 'action-reason', text: 'Reason (optional)'}), reasonInput),
      previewArea,
      message,
      h('div', {class: 'buttons'}, cancel, numberInput ? previewButton : null, confirm));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (confirm.disabled || !preview) {
      return;
    }
    // What was previewed (the number and the pin), with the reason as it is now.
    const chosen = {...preview.input, reason: reasonInput.value.trim()};
    const request = action.request(region, chosen);
    confirm.disabled = true;
    try {
      const answer = await call(request.method, request.path, {body: request.body, ifMatch: revision});
      dialog.close();
      context.notify(`${action.done(region, chosen)} (revision ${answer.body.revision}).`);
      context.refresh();
    } catch (e) {
      showError(e);
    }
  });

  dialog.replaceChildren(form);
  dialog.setAttribute('aria-labelledby', 'action-title');
  dialog.showModal();
  if (numberInput) {
    previewArea.replaceChildren(h('p', {class: 'muted', text: `Preview ${number.what} to see where traffic would go.`}));
    numberInput.focus();
    numberInput.select();
  } else {
    runPreview();
  }
}
