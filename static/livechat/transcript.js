// The message list of one conversation, shared by the dashboard and the widget.
// Keyed DOM: each message keeps its node, so a live edit or an open inline editor survives
// other messages arriving. Message text is set with textContent only.
import { renderAttachments } from './attachments.js';
import { el, paintAvatar } from './dom.js';
import { gettext } from './i18n.js';
import { fmtTime, fmtDay, dayKey } from './time.js';

const GROUP_GAP_MS = 5 * 60 * 1000;

/**
 * @param {object} o
 * @param {HTMLElement} o.scroller   the scrolling element
 * @param {HTMLElement} o.list       the <ol> holding messages
 * @param {'agent'|'visitor'} o.perspective  whose screen this is
 * @param {number} o.maxBodyLength  of an edited message
 * @param {(m: any) => boolean} [o.canModify]  may this user edit / delete m?
 * @param {(m: any, body: string) => Promise<any>} [o.onEdit]
 * @param {(m: any) => Promise<any>} [o.onDelete]
 * @param {(clientId: string) => void} [o.onRetry]
 * @param {(clientId: string) => void} [o.onDiscard]
 * @param {() => void} [o.onNearTop]
 * @param {(a: any) => Promise<any>} [o.refreshAttachment]  fresh URLs for an attachment
 */
export class Transcript {
  constructor(o) {
    this.o = o;
    this.messages = new Map();
    this.nodes = new Map();
    this.days = new Map();
    this.pending = new Map(); // client_id -> node
    this.outbox = [];
    this.readSeq = 0;
    o.scroller.addEventListener('scroll', () => {
      if (o.scroller.scrollTop < 80) o.onNearTop?.();
    }, { passive: true });
  }

  clear() {
    this.messages.clear();
    this.nodes.clear();
    this.days.clear();
    this.pending.clear();
    this.outbox = [];
    this.readSeq = 0;
    this.o.list.replaceChildren();
  }

  /** Oldest seq on screen (for before_seq). */
  get firstSeq() {
    let min = Infinity;
    for (const m of this.messages.values()) min = Math.min(min, m.seq);
    return Number.isFinite(min) ? min : null;
  }

  get lastSeq() {
    let max = 0;
    for (const m of this.messages.values()) max = Math.max(max, m.seq);
    return max;
  }

  /** Own-side messages are on the right; `mine` in the widget = the visitor's. */
  isOwnSide(m) {
    const type = m.sender?.type;
    return this.o.perspective === 'visitor' ? type === 'visitor' : type === 'agent' || type === 'ai';
  }

  /** Add or update messages; older versions than what is shown are ignored. */
  upsert(list, { stick } = {}) {
    const atBottom = this.nearBottom();
    let appended = false;
    for (const m of [].concat(list)) {
      if (!m || m.id == null) continue;
      const cur = this.messages.get(m.id);
      if (cur && Number(cur.version) > Number(m.version)) continue;
      if (!cur && m.seq > this.lastSeq) appended = true;
      this.messages.set(m.id, m);
      this.render(m);
    }
    this.layout();
    if (stick || (appended && atBottom)) this.scrollToBottom();
  }

  /** Older history loaded at the top: keep what the reader was looking at in place. */
  prepend(list) {
    const s = this.o.scroller;
    const before = s.scrollHeight - s.scrollTop;
    for (const m of list) {
      if (this.messages.has(m.id)) continue;
      this.messages.set(m.id, m);
      this.render(m);
    }
    this.layout();
    s.scrollTop = s.scrollHeight - before;
  }

  setOutbox(items) {
    const atBottom = this.nearBottom();
    const grew = items.length > this.outbox.length;
    this.outbox = items;
    const keep = new Set(items.map((i) => i.client_id));
    for (const [id, node] of this.pending) if (!keep.has(id)) { node.remove(); this.pending.delete(id); }
    for (const item of items) this.renderPending(item);
    this.layout();
    if (grew || atBottom) this.scrollToBottom();
  }

  /** The other side has read up to seq: ✓ becomes ✓✓ on our messages. */
  setReadSeq(seq) {
    if (!(seq > this.readSeq)) return;
    this.readSeq = seq;
    for (const m of this.messages.values()) if (this.isOwnSide(m)) this.renderReceipt(m);
  }

  nearBottom() {
    const s = this.o.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 120;
  }

  scrollToBottom() {
    const s = this.o.scroller;
    s.scrollTop = s.scrollHeight;
  }

  // --- rendering ------------------------------------------------------------------------

  render(m) {
    let node = this.nodes.get(m.id);
    if (!node) {
      node = this.buildNode(m);
      this.nodes.set(m.id, node);
    }
    const type = m.sender?.type || 'system';
    const keep = ['is-editing', 'msg--cont'].filter((c) => node.classList.contains(c));
    node.className = 'msg';
    node.classList.add(this.isOwnSide(m) ? 'msg--own' : 'msg--other', `msg--${type}`, ...keep);
    // A private note: only agents ever receive one (the widget never does).
    node.classList.toggle('msg--note', m.internal === true);
    node.querySelector('.msg-note-label').hidden = m.internal !== true;
    if (m.deleted) {
      node.classList.add('msg--deleted');
      node.classList.remove('is-editing');
    }
    node.dataset.seq = String(m.seq);
    node.dataset.sender = type;
    node.querySelector('.msg-author').textContent = m.sender?.name || '';
    paintAvatar(node.querySelector('.msg-avatar'), type === 'ai' ? '✦' : m.sender?.name);
    if (type === 'ai') node.querySelector('.msg-avatar').textContent = '✦';
    const time = node.querySelector('time');
    time.dateTime = m.created_at;
    time.textContent = fmtTime(m.created_at);
    time.title = new Date(m.created_at).toLocaleString();
    if (!node.querySelector('.msg-body')) {
      node.querySelector('.bubble').replaceChildren(el('p', { class: 'msg-body' }));
      delete node.querySelector('.bubble').dataset.files;
    }
    if (!node.classList.contains('is-editing')) this.renderBody(node, m);
    const edited = node.querySelector('.msg-edited');
    edited.hidden = !m.edited_at || m.deleted;
    if (m.edited_at) edited.title = new Date(m.edited_at).toLocaleString();
    const actions = node.querySelector('.msg-actions');
    actions.hidden = m.deleted || !this.o.canModify?.(m);
    this.renderReceipt(m);
    return node;
  }

  buildNode(m) {
    const actions = el('div', { class: 'msg-actions', role: 'group', 'aria-label': gettext('Message actions') },
      el('button', { type: 'button', class: 'msg-act', 'data-act': 'edit', title: gettext('Edit'), 'aria-label': gettext('Edit message'),
        on: { click: () => this.startEdit(m.id) } }, el('span', { class: 'ico ico-edit', 'aria-hidden': 'true' })),
      el('button', { type: 'button', class: 'msg-act', 'data-act': 'delete', title: gettext('Delete'), 'aria-label': gettext('Delete message'),
        on: { click: () => this.askDelete(m.id) } }, el('span', { class: 'ico ico-trash', 'aria-hidden': 'true' })));
    return el('li', { dataset: { id: m.id } },
      el('span', { class: 'msg-avatar avatar avatar-xs', 'aria-hidden': 'true' }),
      el('div', { class: 'msg-main' },
        el('div', { class: 'msg-author' }),
        el('div', { class: 'msg-row' },
          el('div', { class: 'bubble' }, el('p', { class: 'msg-body' })),
          actions),
        el('div', { class: 'msg-foot' },
          el('span', { class: 'msg-note-label', hidden: true },
            el('span', { class: 'lock', 'aria-hidden': 'true' }), gettext('Only agents see this')),
          el('time'),
          el('span', { class: 'msg-edited', hidden: true, text: gettext('edited') }),
          el('span', { class: 'msg-receipt', hidden: true }))));
  }

  renderBody(node, m) {
    const body = node.querySelector('.msg-body');
    const bubble = node.querySelector('.bubble');
    if (m.deleted) {
      body.textContent = gettext('This message was deleted');
    } else {
      body.textContent = m.body;
    }
    body.hidden = !m.deleted && !m.body;
    // Redrawn only when the files change, so images do not reload on every edit or receipt.
    const files = m.deleted ? [] : (m.attachments || []);
    const key = files.map((a) => a.id).join(',');
    if (bubble.dataset.files === key) return;
    bubble.dataset.files = key;
    bubble.querySelector('.atts')?.remove();
    const atts = renderAttachments(files, { refresh: this.o.refreshAttachment });
    if (atts) bubble.append(atts);
    node.classList.toggle('msg--files', Boolean(atts));
  }

  renderReceipt(m) {
    const node = this.nodes.get(m.id);
    if (!node) return;
    const receipt = node.querySelector('.msg-receipt');
    if (!this.isOwnSide(m) || m.deleted || m.internal) {
      receipt.hidden = true;
      return;
    }
    const read = m.seq <= this.readSeq;
    receipt.hidden = false;
    receipt.classList.toggle('is-read', read);
    receipt.textContent = read ? '✓✓' : '✓';
    receipt.title = read ? gettext('Read') : gettext('Sent');
    receipt.setAttribute('aria-label', receipt.title);
  }

  renderPending(item) {
    let node = this.pending.get(item.client_id);
    if (!node) {
      node = el('li', { class: `msg msg--own msg--pending${item.internal ? ' msg--note' : ''}`, dataset: { clientId: item.client_id } },
        el('span', { class: 'msg-avatar avatar avatar-xs', 'aria-hidden': 'true' }),
        el('div', { class: 'msg-main' },
          el('div', { class: 'msg-row' }, el('div', { class: 'bubble' },
            el('p', { class: 'msg-body', text: item.body, hidden: !item.body }),
            renderAttachments(item.attachments))),
          el('div', { class: 'msg-foot' }, el('span', { class: 'msg-state' }))));
      this.pending.set(item.client_id, node);
    }
    node.classList.toggle('msg--failed', item.state === 'failed');
    const state = node.querySelector('.msg-state');
    state.replaceChildren();
    if (item.state === 'failed') {
      state.append(
        el('span', { class: 'fail-text', text: gettext('Not sent') }), ' · ',
        el('button', { type: 'button', class: 'link-btn', text: gettext('Retry'), on: { click: () => this.o.onRetry?.(item.client_id) } }), ' · ',
        el('button', { type: 'button', class: 'link-btn', text: gettext('Discard'), on: { click: () => this.o.onDiscard?.(item.client_id) } }));
    } else {
      state.append(el('span', { class: 'spinner', 'aria-hidden': 'true' }), gettext('sending…'));
    }
  }

  /** Put nodes in seq order with day separators; moves only what is out of place. */
  layout() {
    const sorted = [...this.messages.values()].sort((a, b) => a.seq - b.seq);
    const desired = [];
    let prev = null;
    let lastDay = null;
    for (const m of sorted) {
      const day = dayKey(m.created_at);
      if (day !== lastDay) {
        desired.push(this.dayNode(day, m.created_at));
        lastDay = day;
        prev = null;
      }
      const node = this.nodes.get(m.id);
      const same = prev && prev.sender?.type === m.sender?.type && prev.sender?.id === m.sender?.id
        && new Date(m.created_at) - new Date(prev.created_at) < GROUP_GAP_MS;
      node.classList.toggle('msg--cont', Boolean(same));
      desired.push(node);
      prev = m;
    }
    if (this.outbox.length) {
      const today = dayKey(new Date().toISOString());
      if (today !== lastDay) desired.push(this.dayNode(today, new Date().toISOString()));
      for (const item of this.outbox) desired.push(this.pending.get(item.client_id));
    }
    const list = this.o.list;
    const keep = new Set(desired);
    for (const child of [...list.children]) if (!keep.has(child)) child.remove();
    desired.forEach((node, i) => {
      if (list.children[i] !== node) list.insertBefore(node, list.children[i] || null);
    });
  }

  dayNode(day, iso) {
    let node = this.days.get(day);
    if (!node) {
      node = el('li', { class: 'day-sep', role: 'separator' }, el('span', { text: fmtDay(iso) }));
      this.days.set(day, node);
    }
    return node;
  }

  // --- edit / delete ------------------------------------------------------------------------

  startEdit(id) {
    const m = this.messages.get(id);
    const node = this.nodes.get(id);
    if (!m || !node || m.deleted || node.classList.contains('is-editing')) return;
    node.classList.add('is-editing');
    const bubble = node.querySelector('.bubble');
    const area = el('textarea', { class: 'edit-box', rows: '2', maxlength: String(this.o.maxBodyLength), 'aria-label': gettext('Edit message') });
    area.value = m.body;
    const finish = () => {
      node.classList.remove('is-editing');
      bubble.replaceChildren(el('p', { class: 'msg-body' }));
      delete bubble.dataset.files;
      this.renderBody(node, this.messages.get(id));
    };
    const save = async () => {
      const body = area.value.trim();
      if (!body || body === this.messages.get(id).body) return finish();
      area.disabled = true;
      try {
        await this.o.onEdit?.(this.messages.get(id), body);
        finish();
      } catch (err) {
        area.disabled = false;
        area.focus();
        this.o.onError?.(err);
      }
    };
    area.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); save(); }
      if (ev.key === 'Escape') { ev.preventDefault(); finish(); node.querySelector('[data-act=edit]')?.focus(); }
    });
    bubble.replaceChildren(area, el('div', { class: 'edit-actions' },
      el('span', { class: 'muted small', text: gettext('Enter to save · Esc to cancel') }),
      el('button', { type: 'button', class: 'btn-ghost btn-xs', text: gettext('Cancel'), on: { click: finish } }),
      el('button', { type: 'button', class: 'btn-primary btn-xs', text: gettext('Save'), on: { click: save } })));
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }

  async askDelete(id) {
    const m = this.messages.get(id);
    if (!m || m.deleted) return;
    if (!(await this.o.confirmDelete?.(m))) return;
    try {
      await this.o.onDelete?.(m);
    } catch (err) {
      this.o.onError?.(err);
    }
  }
}
