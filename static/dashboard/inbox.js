// The conversation list: status tabs, "only mine", search, live updates, unread badges.
import { el, paintAvatar } from '../livechat/dom.js';
import { gettext } from '../livechat/i18n.js';
import { relTime } from '../livechat/time.js';
import { messageSummary } from '../livechat/attachments.js';

export class Inbox {
  /**
   * @param {object} o
   * @param {ReturnType<import('./agent-api.js').createAgentApi>} o.api
   * @param {{id: string, name: string}} o.me
   * @param {boolean} o.aiActive  the server has an AI provider
   * @param {(id: string) => void} o.onSelect
   */
  constructor(o) {
    this.o = o;
    this.list = document.getElementById('conv-list');
    this.empty = document.getElementById('list-empty');
    this.more = document.getElementById('list-more');
    this.search = document.getElementById('search');
    this.mine = document.getElementById('mine-toggle');
    this.tabs = [...document.querySelectorAll('.tab[data-status]')];
    this.filter = { status: 'open', mine: localStorage.getItem('livechat.mine') === '1', q: '' };
    this.mine.checked = this.filter.mine;
    this.convs = new Map();
    this.nodes = new Map();
    this.unread = new Map();
    this.selected = null;
    this.nextPage = null;
    this.loadSeq = 0;
    this.countTimer = null;

    for (const tab of this.tabs) tab.addEventListener('click', () => this.setStatus(tab.dataset.status));
    this.list.addEventListener('keydown', (ev) => this.arrowKeys(ev));
    this.mine.addEventListener('change', () => {
      this.filter.mine = this.mine.checked;
      localStorage.setItem('livechat.mine', this.filter.mine ? '1' : '0');
      this.load();
    });
    let debounce = null;
    this.search.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        this.filter.q = this.search.value.trim();
        this.load();
      }, 250);
    });
    this.more.addEventListener('click', () => this.loadMore());
    setInterval(() => this.refreshTimes(), 30000);
  }

  setStatus(status) {
    this.filter.status = status;
    for (const tab of this.tabs) tab.setAttribute('aria-selected', String(tab.dataset.status === status));
    this.load();
  }

  async load() {
    const seq = ++this.loadSeq;
    this.list.setAttribute('aria-busy', 'true');
    try {
      const page = await this.o.api.listConversations(this.filter);
      if (seq !== this.loadSeq) return;
      this.convs.clear();
      for (const c of page.results) this.convs.set(c.id, c);
      this.nextPage = page.next ? 2 : null;
      if (this.filter.status !== 'closed') this.setCount(this.filter.status, page.count);
      await this.loadReadState(page.results);
      this.render();
    } catch (err) {
      this.o.onError?.(err);
    } finally {
      if (seq === this.loadSeq) this.list.removeAttribute('aria-busy');
    }
    this.scheduleCounts(0);
  }

  async loadMore() {
    if (!this.nextPage) return;
    const seq = this.loadSeq;
    const page = await this.o.api.listConversations({ ...this.filter, page: this.nextPage });
    if (seq !== this.loadSeq) return;
    for (const c of page.results) if (!this.convs.has(c.id)) this.convs.set(c.id, c);
    this.nextPage = page.next ? this.nextPage + 1 : null;
    await this.loadReadState(page.results);
    this.render();
  }

  async loadReadState(convs) {
    if (!convs.length) return;
    try {
      const marks = await this.o.api.readState(convs.map((c) => c.id));
      for (const c of convs) {
        const mark = marks[c.id];
        if (!mark || c.id === this.selected) continue;
        const fromVisitor = c.last_message?.sender?.type === 'visitor';
        this.unread.set(c.id, fromVisitor ? Math.max(0, mark.last_seq - mark.agent_last_read_seq) : 0);
      }
    } catch { /* badges are a nicety; the list itself loaded */ }
  }

  /** Tab counters for open and pending, refreshed lazily after changes. */
  scheduleCounts(delay = 1500) {
    clearTimeout(this.countTimer);
    this.countTimer = setTimeout(async () => {
      for (const status of ['open', 'pending']) {
        try {
          const page = await this.o.api.listConversations({ status, mine: this.filter.mine });
          this.setCount(status, page.count);
        } catch { /* offline: keep the old numbers */ }
      }
    }, delay);
  }

  setCount(status, n) {
    const node = document.querySelector(`[data-count="${status}"]`);
    if (node) node.textContent = n ? String(n) : '';
  }

  matches(c) {
    const f = this.filter;
    if (c.status !== f.status) return false;
    if (f.mine && c.assignee?.id !== this.o.me.id) return false;
    if (f.q) {
      const q = f.q.toLowerCase();
      const hay = `${c.visitor?.name || ''} ${c.visitor?.email || ''} ${c.last_message?.body || ''}`.toLowerCase();
      if (!hay.includes(q)) return false;
    }
    return true;
  }

  /** A conversation changed or appeared: show, move or drop it according to the filter. */
  upsert(c) {
    const had = this.convs.has(c.id);
    if (this.matches(c) || c.id === this.selected) {
      const cur = this.convs.get(c.id);
      if (cur && cur.version > c.version) return;
      this.convs.set(c.id, { ...cur, ...c });
    } else if (had) {
      this.convs.delete(c.id);
    } else {
      return this.scheduleCounts();
    }
    this.render();
    this.scheduleCounts();
  }

  get(id) { return this.convs.get(id); }

  /** A message arrived (live): preview, order, unread badge. A private note changes none. */
  async noteMessage(m, { unread }) {
    if (m.internal) return;
    let c = this.convs.get(m.conversation_id);
    if (!c) {
      try {
        c = await this.o.api.conversation(m.conversation_id);
      } catch { return; }
      if (!this.matches(c)) return this.scheduleCounts();
      this.convs.set(c.id, c);
    }
    if (m.sender?.type === 'agent' && !c.first_response_at) c.first_response_at = m.created_at;
    if (!c.last_message || m.seq >= c.last_message.seq) {
      c.last_message = m;
      c.last_seq = Math.max(c.last_seq || 0, m.seq);
      if (new Date(m.created_at) > new Date(c.updated_at)) c.updated_at = m.created_at;
    }
    if (unread) this.unread.set(c.id, (this.unread.get(c.id) || 0) + 1);
    this.render();
  }

  /** An edit or delete: the preview follows when it is the last message. */
  noteChange(m) {
    const c = this.convs.get(m.conversation_id);
    if (!c?.last_message || c.last_message.id !== m.id) return;
    c.last_message = m;
    this.renderItem(c);
  }

  markRead(id) {
    if (!this.unread.get(id)) return;
    this.unread.set(id, 0);
    const c = this.convs.get(id);
    if (c) this.renderItem(c);
  }

  select(id) {
    this.selected = id;
    this.markRead(id);
    for (const [cid, node] of this.nodes) {
      const btn = node.firstChild;
      if (cid === id) btn.setAttribute('aria-current', 'true');
      else btn.removeAttribute('aria-current');
    }
  }

  // --- rendering -------------------------------------------------------------------------

  render() {
    const sorted = [...this.convs.values()].sort((a, b) => new Date(b.updated_at) - new Date(a.updated_at));
    const desired = sorted.map((c) => this.renderItem(c));
    const keep = new Set(desired);
    for (const [id, node] of this.nodes) if (!keep.has(node)) { node.remove(); this.nodes.delete(id); }
    desired.forEach((node, i) => {
      if (this.list.children[i] !== node) this.list.insertBefore(node, this.list.children[i] || null);
    });
    this.empty.hidden = sorted.length > 0;
    this.more.hidden = !this.nextPage;
  }

  renderItem(c) {
    let node = this.nodes.get(c.id);
    if (!node) {
      node = el('li', { class: 'conv', dataset: { id: c.id } },
        el('button', { type: 'button', class: 'conv-item', on: { click: () => this.o.onSelect(c.id) } },
          el('span', { class: 'avatar', 'aria-hidden': 'true' }),
          el('span', { class: 'conv-body' },
            el('span', { class: 'conv-top' },
              el('span', { class: 'conv-name' }),
              el('time', { class: 'conv-time' })),
            el('span', { class: 'conv-bottom' },
              el('span', { class: 'conv-preview' }),
              el('span', { class: 'badge', hidden: true })),
            el('span', { class: 'conv-tags' }))));
      this.nodes.set(c.id, node);
    }
    const btn = node.firstChild;
    const name = c.visitor?.name || gettext('Visitor');
    paintAvatar(btn.querySelector('.avatar'), name);
    btn.querySelector('.conv-name').textContent = name;
    const time = btn.querySelector('.conv-time');
    const at = c.last_message?.created_at || c.updated_at;
    time.dateTime = at;
    time.textContent = relTime(at);
    btn.querySelector('.conv-preview').textContent = this.preview(c);
    const n = this.unread.get(c.id) || 0;
    const badge = btn.querySelector('.badge');
    badge.hidden = n === 0 || c.id === this.selected;
    badge.textContent = n > 99 ? '99+' : String(n);
    badge.setAttribute('aria-label', `${n} ${gettext('unread')}`);
    btn.classList.toggle('is-unread', n > 0 && c.id !== this.selected);
    const tags = btn.querySelector('.conv-tags');
    tags.replaceChildren();
    if (c.assignee) tags.append(el('span', { class: 'tag', text: c.assignee.id === this.o.me.id ? gettext('You') : c.assignee.name }));
    else tags.append(el('span', { class: 'tag tag--none', text: gettext('Unassigned') }));
    if (this.aiAnswering(c)) {
      tags.append(el('span', { class: 'tag tag--ai', title: gettext('The AI assistant is answering this conversation'), text: gettext('AI') }));
    }
    if (c.id === this.selected) btn.setAttribute('aria-current', 'true');
    return node;
  }

  /** The AI answers until someone from the team replies (PROTOCOL section 8). */
  aiAnswering(c) {
    return this.o.aiActive && c.ai_enabled && !c.first_response_at;
  }

  preview(c) {
    const m = c.last_message;
    if (!m) return gettext('No messages yet');
    if (m.deleted) return gettext('Message deleted');
    const who = m.sender?.type === 'agent'
      ? (m.sender.id === this.o.me.id ? gettext('You') : m.sender.name)
      : m.sender?.type === 'ai' ? gettext('AI') : null;
    const text = messageSummary(m);
    return who ? `${who}: ${text}` : text;
  }

  refreshTimes() {
    for (const c of this.convs.values()) {
      const node = this.nodes.get(c.id);
      const time = node?.querySelector('.conv-time');
      if (time) time.textContent = relTime(time.dateTime);
    }
  }

  arrowKeys(ev) {
    if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
    const items = [...this.list.querySelectorAll('.conv-item')];
    const i = items.indexOf(document.activeElement);
    if (i < 0) return;
    ev.preventDefault();
    items[Math.max(0, Math.min(items.length - 1, i + (ev.key === 'ArrowDown' ? 1 : -1)))].focus();
  }
}
