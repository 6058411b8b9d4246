// The `/` picker of the dashboard composer: typing `/` at the start of a word lists the
// canned responses matching what follows (shortcut, title, body); arrow keys move, Enter or
// Tab inserts the response as the server renders it for this conversation, Esc closes.
// It listens on the form in the capture phase, so while it is open Enter picks a response
// instead of reaching the composer's "Enter sends".
import { el } from '../livechat/dom.js';
import { gettext } from '../livechat/i18n.js';

const TRIGGER = /(^|\s)\/([A-Za-z0-9_-]{0,32})$/;
const DEBOUNCE_MS = 120;
const MAX_ITEMS = 8;

export class CannedPicker {
  /**
   * @param {object} o
   * @param {HTMLFormElement} o.form
   * @param {HTMLTextAreaElement} o.input
   * @param {{cannedResponses: Function, renderCanned: Function}} o.api
   * @param {() => string|null} o.conversationId
   * @param {string} o.manageUrl
   * @param {(err: any) => void} o.onError
   */
  constructor(o) {
    this.o = o;
    this.items = [];
    this.active = 0;
    this.token = null; // {start, end, query} of the `/word` being typed
    this.seq = 0;
    this.timer = null;
    this.list = el('ul', { class: 'canned-list', id: 'canned-list', role: 'listbox', 'aria-label': gettext('Canned responses') });
    this.empty = el('p', { class: 'canned-empty muted small', hidden: true });
    this.pop = el('div', { class: 'canned-pop', hidden: true },
      this.list, this.empty,
      el('div', { class: 'canned-foot small' },
        el('span', { class: 'muted', text: gettext('↑↓ to choose · Enter to insert · Esc to close') }),
        el('a', { href: o.manageUrl, class: 'canned-manage', text: gettext('Manage responses') })));
    o.form.classList.add('has-picker');
    o.form.prepend(this.pop);
    const input = o.input;
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', 'canned-list');
    input.setAttribute('aria-expanded', 'false');
    input.addEventListener('input', () => this.onInput());
    input.addEventListener('click', () => this.onInput());
    input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
    o.form.addEventListener('keydown', (ev) => this.onKey(ev), true);
  }

  get isOpen() { return !this.pop.hidden; }

  onInput() {
    const input = this.o.input;
    const caret = input.selectionStart ?? input.value.length;
    const match = input.selectionEnd === caret ? TRIGGER.exec(input.value.slice(0, caret)) : null;
    if (!match || !this.o.conversationId()) return this.close();
    const start = caret - match[2].length - 1;
    this.token = { start, end: caret, query: match[2] };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.search(match[2]), DEBOUNCE_MS);
  }

  async search(query) {
    const seq = ++this.seq;
    try {
      const page = await this.o.api.cannedResponses(query);
      if (seq !== this.seq || !this.token) return;
      this.show(page.results.slice(0, MAX_ITEMS), query);
    } catch (err) {
      if (seq === this.seq) this.o.onError(err);
    }
  }

  show(items, query) {
    this.items = items;
    this.active = 0;
    this.list.replaceChildren(...items.map((c, i) => el('li', {
      id: `canned-opt-${i}`, class: 'canned-item', role: 'option', 'aria-selected': String(i === 0),
      on: { mousedown: (ev) => { ev.preventDefault(); this.choose(i); } },
    },
    el('span', { class: 'canned-top' },
      el('span', { class: 'canned-shortcut', text: `/${c.shortcut}` }),
      c.title ? el('span', { class: 'canned-title', text: c.title }) : null,
      el('span', { class: `canned-scope canned-scope--${c.scope}`, text: c.scope === 'team' ? gettext('Team') : gettext('Mine') })),
    el('span', { class: 'canned-body', text: c.body }))));
    this.empty.hidden = items.length > 0;
    this.empty.textContent = query
      ? gettext('No canned response matches.')
      : gettext('No canned responses yet.');
    this.pop.hidden = false;
    this.o.input.setAttribute('aria-expanded', 'true');
    this.highlight();
  }

  highlight() {
    const options = [...this.list.children];
    options.forEach((node, i) => node.setAttribute('aria-selected', String(i === this.active)));
    const current = options[this.active];
    if (current) {
      this.o.input.setAttribute('aria-activedescendant', current.id);
      current.scrollIntoView({ block: 'nearest' });
    } else {
      this.o.input.removeAttribute('aria-activedescendant');
    }
  }

  close() {
    clearTimeout(this.timer);
    this.seq += 1;
    this.token = null;
    this.items = [];
    this.pop.hidden = true;
    this.o.input.setAttribute('aria-expanded', 'false');
    this.o.input.removeAttribute('aria-activedescendant');
  }

  /** @param {KeyboardEvent} ev */
  onKey(ev) {
    if (!this.isOpen || ev.target !== this.o.input || ev.isComposing) return;
    const n = this.items.length;
    let handled = true;
    if (ev.key === 'Escape') this.close();
    else if (ev.key === 'ArrowDown' && n) this.active = (this.active + 1) % n;
    else if (ev.key === 'ArrowUp' && n) this.active = (this.active - 1 + n) % n;
    else if ((ev.key === 'Enter' || ev.key === 'Tab') && !ev.shiftKey && n) this.choose(this.active);
    else handled = false;
    if (!handled) return;
    ev.preventDefault();
    ev.stopPropagation();
    this.highlight();
  }

  /** Replace the `/word` with the rendered response, caret after it. */
  async choose(i) {
    const canned = this.items[i];
    const token = this.token;
    const conversationId = this.o.conversationId();
    this.close();
    if (!canned || !token || !conversationId) return;
    const input = this.o.input;
    try {
      const { text } = await this.o.api.renderCanned(canned.id, conversationId);
      if (this.o.conversationId() !== conversationId) return;
      // The text may have changed while the server answered: replace the token only if it is still there.
      const still = input.value.slice(token.start, token.end) === `/${token.query}`;
      const [start, end] = still ? [token.start, token.end] : [input.selectionStart, input.selectionEnd];
      input.setRangeText(text, start, end, 'end');
      input.focus();
      input.dispatchEvent(new Event('input', { bubbles: true }));
    } catch (err) {
      this.o.onError(err);
    }
  }
}
