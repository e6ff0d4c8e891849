// Steering, for write tokens: weight changes and drains, each previewed with a dry run (the
// traffic shares it would give) before it is applied, and each sent with If-Match carrying the
// revision the page showed when the user decided, so that a change made meanwhile by someone
// else is refused (412) instead of being overwritten.

import {call, ApiError} from './api.js';
import {byId, h} from './dom.js';
import {percent} from './format.js';

/**
 * The write actions the regions table offers for a region, in order. Each one opens the dialog
 * below: `request(region, input)` is the call ({method, path, body}); `fields` the inputs it
 * needs. The traffic dial (issue 16) joins this list as one more entry: a field for the dial, its
 * PUT, and the same preview, confirmation and If-Match for free.
 */
export const ACTIONS = [
  {
    id: 'weight',
    label: 'Weight',
    title: (r) => `Change the weight of ${r.name}`,
    applies: () => true,
    fields: ['weight', 'reason'],
    confirm: (r, input) => `Set weight ${input.weight}`,
    request: (r, input) => ({method: 'PUT', path: `/admin/regions/${encodeURIComponent(r.name)}/weight`,
      body: {weight: input.weight, reason: input.reason || undefined}}),
    done: (r, input) => `Weight of ${r.name} set to ${input.weight}`,
  },
  {
    id: 'reset',
    label: 'Reset',
    title: (r) => `Reset the weight of ${r.name} to its configured ${r.configuredWeight}`,
    applies: (r) => r.weightOverride !== null && r.weightOverride !== undefined,
    fields: ['reason'],
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
    fields: ['reason'],
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
    fields: ['reason'],
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
  return `${r.name} is now ${r.state === 'drained' ? 'drained' : 'active'}, ${weight}, ${percent(r.share)} of traffic.`;
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
  const weightInput = h('input', {id: 'action-weight', type: 'number', min: 0, max: 1000, step: 1, required: true,
    value: region.weightOverride ?? region.configuredWeight, inputmode: 'numeric'});
  const reasonInput = h('input', {id: 'action-reason', type: 'text', maxlength: 500, autocomplete: 'off',
    placeholder: 'ticket or incident, kept in the audit trail'});
  const previewArea = h('div', {id: 'action-preview', 'aria-live': 'polite'});
  const message = h('div', {id: 'action-message', role: 'alert'});
  const confirm = h('button', {type: 'submit', id: 'action-confirm', class: action.danger ? 'danger' : 'primary',
    disabled: true, text: action.confirm(region, {weight: weightInput.value})});
  const previewButton = h('button', {type: 'button', id: 'action-preview-button', text: 'Preview'});
  const cancel = h('button', {type: 'button', id: 'action-cancel', text: 'Cancel'});

  const input = () => ({weight: Number(weightInput.value), reason: reasonInput.value.trim()});

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
    if (action.fields.includes('weight') && !weightInput.checkValidity()) {
      message.className = 'message error';
      message.textContent = 'Weight: a whole number from 0 to 1000.';
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

  weightInput.addEventListener('input', () => {
    confirm.disabled = true;
    confirm.textContent = action.confirm(region, input());
    previewArea.replaceChildren(h('p', {class: 'muted', text: 'Preview the new weight to see where traffic would go.'}));
  });
  previewButton.addEventListener('click', runPreview);
  cancel.addEventListener('click', () => dialog.close());

  const form = h('form', {method: 'dialog', id: 'action-form'},
      h('h2', {id: 'action-title', text: action.title(region)}),
      action.explain ? h('p', {class: 'muted', text: action.explain}) : null,
      h('p', {class: 'revision muted', text: `Based on revision ${revision}, the one shown; if it moves before you confirm, nothing is changed.`}),
      action.fields.includes('weight') ? h('div', {class: 'field'},
          h('label', {for: 'action-weight', text: `New weight (0–1000; now ${region.effectiveWeight}, configured ${region.configuredWeight})`}),
          weightInput) : null,
      h('div', {class: 'field'}, h('label', {for: 'action-reason', text: 'Reason (optional)'}), reasonInput),
      previewArea,
      message,
      h('div', {class: 'buttons'}, cancel, action.fields.includes('weight') ? previewButton : null, confirm));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (confirm.disabled || !preview) {
      return;
    }
    // What was previewed (the weight), with the reason as it is now.
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
  if (action.fields.includes('weight')) {
    previewArea.replaceChildren(h('p', {class: 'muted', text: 'Preview the new weight to see where traffic would go.'}));
    weightInput.focus();
    weightInput.select();
  } else {
    runPreview();
  }
}
