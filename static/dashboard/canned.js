// The canned responses page: the agent's own responses and the team's, searched, created,
// edited and deleted through the REST API. Supervisors also manage the team's.
import { createAgentApi } from './agent-api.js';
import { el } from '../livechat/dom.js';
import { gettext, fmt } from '../livechat/i18n.js';
import { createToast } from '../livechat/toast.js';
import { relTime } from '../livechat/time.js';

const root = document.getElementById('canned-app');
const $ = (id) => document.getElementById(id);
const api = createAgentApi({ base: root.dataset.api, csrf: root.dataset.csrf });
const isSupervisor = root.dataset.supervisor === '1';
const toast = createToast($('toast'));
const form = /** @type {HTMLFormElement} */ ($('canned-form'));
const cards = $('canned-cards');
let editing = null; // the response being edited, or null for a new one
let loadSeq = 0;

const canChange = (c) => c.scope === 'personal' || isSupervisor;

async function load() {
  const seq = ++loadSeq;
  const q = $('canned-search').value.trim();
  try {
    const page = await api.cannedResponses(q);
    if (seq !== loadSeq) return;
    render(page.results, q);
  } catch (err) {
    toast.error(err);
  }
}

function render(list, q) {
  cards.replaceChildren(...list.map(card));
  $('canned-none').hidden = list.length > 0;
  $('canned-none-text').textContent = q ? gettext('No canned response matches.') : gettext('No canned responses yet.');
}

function card(c) {
  const actions = canChange(c)
    ? el('div', { class: 'canned-actions' },
      el('button', { type: 'button', class: 'btn-ghost btn-xs', text: gettext('Edit'), on: { click: () => openForm(c) } }),
      el('button', { type: 'button', class: 'btn-ghost btn-xs btn-ghost--bad', text: gettext('Delete'), on: { click: () => remove(c) } }))
    : null;
  return el('li', { class: 'canned-card', dataset: { id: c.id } },
    el('div', { class: 'canned-card-head' },
      el('span', { class: 'canned-shortcut', text: `/${c.shortcut}` }),
      c.title ? el('span', { class: 'canned-title', text: c.title }) : null,
      el('span', { class: `canned-scope canned-scope--${c.scope}`, text: c.scope === 'team' ? gettext('Team') : gettext('Mine') })),
    el('p', { class: 'canned-card-body', text: c.body }),
    el('div', { class: 'canned-card-foot' },
      el('span', { class: 'muted small', text: fmt(gettext('Updated %(when)s'), { when: relTime(c.updated_at) }) }),
      actions));
}

function openForm(c = null) {
  editing = c;
  form.reset();
  $('canned-error').hidden = true;
  $('canned-form-title').textContent = c ? fmt(gettext('Edit /%(shortcut)s'), { shortcut: c.shortcut }) : gettext('New response');
  if (c) {
    form.elements.namedItem('shortcut').value = c.shortcut;
    form.elements.namedItem('title').value = c.title;
    form.elements.namedItem('body').value = c.body;
  }
  const scope = $('canned-scope');
  if (scope) {
    scope.value = c?.scope || 'personal';
    scope.disabled = Boolean(c); // fixed once created
  }
  form.hidden = false;
  $('canned-shortcut').focus();
}

function closeForm() {
  form.hidden = true;
  editing = null;
}

function showFormError(err) {
  const node = $('canned-error');
  node.textContent = err?.body?.detail || err?.message || gettext('Something went wrong.');
  node.hidden = false;
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const data = new FormData(form);
  const fields = {
    shortcut: String(data.get('shortcut') || '').trim(),
    title: String(data.get('title') || '').trim(),
    body: String(data.get('body') || '').trim(),
  };
  if (!fields.shortcut || !fields.body) {
    return showFormError({ message: gettext('A response needs a shortcut and a text.') });
  }
  if (!editing && data.get('scope')) fields.scope = data.get('scope');
  try {
    if (editing) await api.updateCanned(editing.id, fields);
    else await api.createCanned(fields);
    closeForm();
    toast.show(gettext('Saved.'));
    load();
  } catch (err) {
    showFormError(err);
  }
});

async function remove(c) {
  const dialog = /** @type {HTMLDialogElement} */ ($('canned-confirm'));
  $('canned-confirm-text').textContent = `/${c.shortcut}${c.title ? ` · ${c.title}` : ''}`;
  dialog.returnValue = '';
  dialog.showModal();
  dialog.querySelector('.btn-ghost').focus();
  await new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
  if (dialog.returnValue !== 'ok') return;
  try {
    await api.deleteCanned(c.id);
    if (editing?.id === c.id) closeForm();
    load();
  } catch (err) {
    toast.error(err);
  }
}

$('canned-new').addEventListener('click', () => openForm());
$('canned-cancel').addEventListener('click', closeForm);
form.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeForm(); });
let debounce = null;
$('canned-search').addEventListener('input', () => {
  clearTimeout(debounce);
  debounce = setTimeout(load, 200);
});

await load();
root.dataset.ready = '1';
