// The knowledge base page (supervisors): list, search, add, edit, deactivate and delete the
// articles the AI answers from, through REST `knowledge/`.
import { createApi } from '../livechat/api.js';
import { el, paintAvatar } from '../livechat/dom.js';
import { fmt, gettext, lang } from '../livechat/i18n.js';
import { relTime } from '../livechat/time.js';
import { createToast } from '../livechat/toast.js';

const root = document.getElementById('kb');
const api = createApi({ base: root.dataset.api, csrf: root.dataset.csrf });
const $ = (id) => document.getElementById(id);
const toast = createToast($('toast'));
const maxBody = Number(root.dataset.maxArticleLength);
const number = new Intl.NumberFormat(lang());

const form = $('kb-form');
const titleInput = $('kb-title');
const bodyInput = $('kb-body');
const activeInput = $('kb-active');

/** @type {Map<string, any>} */
const articles = new Map();
let current = null; // the article being edited; null for a new one
let saved = { title: '', body: '', active: true }; // what the form held when it was last loaded or saved
let nextPage = null;
let query = '';
let loadSeq = 0;

for (const node of document.querySelectorAll('[data-avatar]')) paintAvatar(node, node.dataset.avatar);

// --- the list ------------------------------------------------------------------------------------

async function load({ more = false } = {}) {
  const seq = ++loadSeq;
  const p = new URLSearchParams();
  if (query) p.set('q', query);
  if (more && nextPage) p.set('page', String(nextPage));
  try {
    const page = await api.get(`knowledge/?${p}`);
    if (seq !== loadSeq) return;
    if (!more) articles.clear();
    for (const a of page.results) articles.set(a.id, a);
    nextPage = page.next ? (more ? nextPage + 1 : 2) : null;
    renderList();
  } catch (err) {
    toast.error(err);
  }
}

function renderList() {
  const list = $('kb-list');
  list.replaceChildren(...[...articles.values()].map((a) => el('li', {},
    el('button', {
      type: 'button', class: 'kb-item', dataset: { id: a.id },
      'aria-current': current?.id === a.id ? 'true' : null,
      on: { click: () => open(a.id) },
    },
    el('span', { class: 'kb-item-top' },
      el('span', { class: 'kb-item-title', text: a.title }),
      a.active ? null : el('span', { class: 'tag tag--none', text: gettext('Inactive') })),
    el('span', { class: 'kb-item-preview', text: a.body.slice(0, 140) }),
    el('time', { class: 'kb-item-time', dateTime: a.updated_at, text: updatedText(a) })))));
  $('kb-empty').hidden = articles.size > 0;
  $('kb-empty').querySelector('p').textContent = query
    ? gettext('No article matches this search.')
    : gettext('No articles yet. Add what visitors ask most: shipping, payment, returns.');
  $('kb-more').hidden = !nextPage;
}

function updatedText(a) {
  const when = relTime(a.updated_at);
  return a.updated_by
    ? fmt(gettext('Updated %(when)s by %(name)s'), { when, name: a.updated_by.name })
    : fmt(gettext('Updated %(when)s'), { when });
}

let debounce = null;
$('kb-search').addEventListener('input', (ev) => {
  clearTimeout(debounce);
  debounce = setTimeout(() => { query = ev.target.value.trim(); load(); }, 250);
});
$('kb-more').addEventListener('click', () => load({ more: true }));

// --- the editor ----------------------------------------------------------------------------------

function values() {
  return { title: titleInput.value.trim(), body: bodyInput.value.trim(), active: activeInput.checked };
}

function dirty() {
  const v = values();
  return v.title !== saved.title || v.body !== saved.body || v.active !== saved.active;
}

function fill(article) {
  current = article;
  titleInput.value = article?.title || '';
  bodyInput.value = article?.body || '';
  activeInput.checked = article ? article.active : true;
  saved = values();
  $('kb-form-title').textContent = article ? gettext('Edit article') : gettext('New article');
  $('kb-delete').hidden = !article;
  $('kb-meta').textContent = article ? updatedText(article) : '';
  clearErrors();
  count();
  renderList();
}

function open(id) {
  if (current?.id === id) return;
  if (dirty() && !window.confirm(gettext('Discard the changes to this article?'))) return;
  fill(articles.get(id) || null);
  reveal();
}

/** The editor into view (below the list on a phone) and the title focused. */
function reveal() {
  if (window.matchMedia('(max-width: 760px)').matches) form.scrollIntoView({ block: 'start' });
  titleInput.focus({ preventScroll: true });
}

$('kb-new').addEventListener('click', () => {
  if (dirty() && !window.confirm(gettext('Discard the changes to this article?'))) return;
  fill(null);
  reveal();
});

function count() {
  const n = bodyInput.value.length;
  const node = $('kb-count');
  node.textContent = fmt(gettext('%(count)s / %(max)s characters'), { count: number.format(n), max: number.format(maxBody) });
  node.classList.toggle('is-near', n > maxBody * 0.9);
}
bodyInput.addEventListener('input', count);

function clearErrors() {
  for (const input of [titleInput, bodyInput]) {
    input.removeAttribute('aria-invalid');
    input.parentElement.querySelector('.kb-error')?.remove();
  }
}

function showError(input, message) {
  input.setAttribute('aria-invalid', 'true');
  input.insertAdjacentElement('afterend', el('p', { class: 'kb-error', role: 'alert', text: message }));
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors();
  const v = values();
  if (!v.title) showError(titleInput, gettext('Give the article a title.'));
  if (!v.body) showError(bodyInput, gettext('Write the article’s text.'));
  if (!v.title || !v.body) return;
  const button = $('kb-save');
  button.disabled = true;
  try {
    const article = current
      ? await api.patch(`knowledge/${encodeURIComponent(current.id)}/`, v)
      : await api.post('knowledge/', v);
    articles.set(article.id, article);
    fill(article);
    toast.show(gettext('Saved.'));
  } catch (err) {
    const fields = err.body?.errors || {};
    if (fields.title) showError(titleInput, fields.title[0]);
    if (fields.body) showError(bodyInput, fields.body[0]);
    if (!fields.title && !fields.body) toast.error(err);
  } finally {
    button.disabled = false;
  }
});

$('kb-delete').addEventListener('click', async () => {
  if (!current || !(await confirmDelete())) return;
  try {
    await api.del(`knowledge/${encodeURIComponent(current.id)}/`);
    articles.delete(current.id);
    fill(null);
    toast.show(gettext('Deleted.'));
  } catch (err) {
    toast.error(err);
  }
});

function confirmDelete() {
  const dialog = $('kb-confirm');
  return new Promise((resolve) => {
    dialog.returnValue = '';
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
    dialog.querySelector('.btn-ghost').focus();
  });
}

window.addEventListener('beforeunload', (ev) => {
  if (dirty()) ev.preventDefault();
});

// --- start ---------------------------------------------------------------------------------------
fill(null);
await load();
root.dataset.ready = '1';
