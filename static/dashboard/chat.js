// The conversation pane: header actions, transcript, typing, composer, AI suggestions.
import { el, paintAvatar } from '../livechat/dom.js';
import { gettext, fmt } from '../livechat/i18n.js';
import { fmtDateTime } from '../livechat/time.js';
import { Composer } from '../livechat/composer.js';
import { TypingIndicator } from '../livechat/typing.js';
import { Transcript } from '../livechat/transcript.js';
import { AttachmentTray, acceptDrops, filesOf } from '../livechat/attachments.js';
import { CannedPicker } from './canned-picker.js';
import { VisitorCard } from './visitor-card.js';

const STATUS_LABELS = { open: gettext('Open'), pending: gettext('Pending'), closed: gettext('Closed') };

export class ChatPane {
  /**
   * @param {object} o
   * @param {ReturnType<import('./agent-api.js').createAgentApi>} o.api
   * @param {import('../livechat/socket.js').LivechatSocket} o.socket
   * @param {{id: string, name: string}} o.me
   * @param {import('./inbox.js').Inbox} o.inbox
   * @param {() => Array<{id: string, name: string, status: string}>} o.agents
   * @param {import('../livechat/limits.js').Limits} o.limits
   * @param {boolean} o.aiActive  the server has an AI provider (suggestions, the AI toggle)
   * @param {(err: any) => void} o.onError
   * @param {string} o.cannedUrl  the canned responses page
   */
  constructor(o) {
    this.o = o;
    this.id = null;
    this.conv = null;
    this.hasMore = false;
    this.loadingOlder = false;
    this.readSent = 0;
    /** conversation id -> {message_id, suggestions}: the AI's latest, from the live frame or REST */
    this.suggestions = new Map();
    this.suggestionFrames = 0;
    this.openSeq = 0;
    this.$ = (id) => document.getElementById(id);
    this.chat = this.$('chat');
    this.input = this.$('composer-input');

    this.transcript = new Transcript({
      scroller: this.$('transcript'),
      list: this.$('messages'),
      perspective: 'agent',
      maxBodyLength: o.limits.maxBodyLength,
      canModify: (m) => m.sender?.type === 'agent' && m.sender.id === o.me.id,
      onEdit: async (m, body) => this.transcript.upsert(await o.api.editMessage(m.conversation_id, m.id, body)),
      onDelete: async (m) => {
        await o.api.deleteMessage(m.conversation_id, m.id);
        this.transcript.upsert({ ...m, deleted: true, body: '' });
      },
      confirmDelete: () => this.confirm(),
      onRetry: (cid) => o.socket.retryMessage(cid),
      onDiscard: (cid) => o.socket.discardMessage(cid),
      onNearTop: () => this.loadOlder(),
      onError: o.onError,
      refreshAttachment: (a) => o.api.attachment(a.id),
    });

    this.tray = new AttachmentTray({
      list: this.$('tray'),
      maxBytes: o.limits.attachmentMaxBytes,
      // Bound to the conversation open when the file was added.
      upload: (file, opts) => o.api.uploadAttachment(this.id, file, opts),
      onError: (message) => o.onError({ message }),
    });
    const fileInput = this.$('file-input');
    this.$('attach-btn').addEventListener('click', () => fileInput.click());
    fileInput.addEventListener('change', () => {
      this.tray.add([...fileInput.files]);
      fileInput.value = '';
      this.input.focus();
    });
    acceptDrops(this.chat, (files) => this.tray.add(files));
    this.input.addEventListener('paste', (ev) => {
      const files = filesOf(ev.clipboardData);
      if (!files.length) return;
      ev.preventDefault();
      this.tray.add(files);
    });

    this.mode = 'reply';
    this.replyPlaceholder = this.input.placeholder;
    for (const btn of document.querySelectorAll('.mode-btn')) {
      btn.addEventListener('click', () => this.setMode(btn.dataset.mode));
    }
    this.composer = new Composer({
      form: this.$('composer'),
      input: this.input,
      limits: o.limits,
      // Writing a note is not typing to the visitor.
      sendTyping: (type) => this.id && this.mode === 'reply' && o.socket.send(type, { conversation_id: this.id }),
      onSubmit: (body, attachments) => this.send(body, attachments),
      onError: o.onError,
      tray: this.tray,
    });
    this.picker = new CannedPicker({
      form: this.$('composer'), input: this.input, api: o.api,
      conversationId: () => this.id, manageUrl: o.cannedUrl, onError: o.onError,
    });
    this.visitorCard = new VisitorCard({ api: o.api, onError: o.onError });
    this.typingIndicator = new TypingIndicator(this.$('typing'), { limits: o.limits, label: this.$('typing-text') });

    this.menu('status-btn', 'status-pop');
    this.menu('assign-btn', 'assign-pop', () => this.fillAssignMenu());
    this.$('status-pop').addEventListener('click', (ev) => {
      const item = ev.target.closest('[data-set-status]');
      if (item) this.update({ status: item.dataset.setStatus });
    });
    this.$('ai-toggle').addEventListener('change', (ev) => this.update({ ai_enabled: ev.target.checked }));

    o.socket.onOutboxChange((items) => this.showOutbox(items));
    document.addEventListener('visibilitychange', () => this.markRead());
    window.addEventListener('focus', () => this.markRead());
  }

  // --- opening a conversation ---------------------------------------------------------------

  async open(id) {
    if (id === this.id) return;
    const { socket, api } = this.o;
    const seq = ++this.openSeq;
    if (this.id) {
      this.composer.stopTyping();
      socket.untrack(this.id);
      socket.request('conversation:leave', { conversation_id: this.id }).catch(() => {});
    }
    this.id = id;
    this.readSent = 0;
    this.hasMore = false;
    this.transcript.clear();
    this.typingIndicator.hide();
    this.$('pane-empty').hidden = true;
    this.chat.hidden = false;
    this.composer.clear();
    this.tray.clear();
    this.renderSuggestions();
    const cached = this.o.inbox.get(id);
    if (cached) this.render(cached);
    this.join();
    const framesBefore = this.suggestionFrames;
    try {
      const [conv, page, marks, suggested] = await Promise.all([
        api.conversation(id),
        api.messages(id, { limit: 50 }),
        api.readState([id]).catch(() => null),
        this.o.aiActive ? api.suggestions(id).catch(() => null) : null,
      ]);
      if (seq !== this.openSeq) return;
      // A live frame that came meanwhile is newer than what REST read.
      if (suggested && this.suggestionFrames === framesBefore) {
        this.suggestions.set(id, suggested);
        this.renderSuggestions();
      }
      this.render(conv);
      this.visitorCard.show(conv.visitor);
      socket.seedMessages(page.results);
      socket.track(id, page.version);
      this.hasMore = page.has_more;
      this.transcript.upsert(page.results, { stick: true });
      this.transcript.setReadSeq(marks?.[id]?.visitor_last_read_seq || 0);
      this.showOutbox(socket.outbox);
      this.markRead();
      this.input.focus();
    } catch (err) {
      if (seq === this.openSeq) this.o.onError(err);
    }
  }

  /** Join the conversation's group: typing indicators and AI suggestions. Again after every reconnect. */
  join() {
    if (!this.id || this.o.socket.state !== 'connected') return;
    this.o.socket.request('conversation:join', { conversation_id: this.id }).catch(() => {});
  }

  async loadOlder() {
    if (!this.id || !this.hasMore || this.loadingOlder) return;
    const first = this.transcript.firstSeq;
    if (first == null) return;
    const id = this.id;
    this.loadingOlder = true;
    this.$('history-more').hidden = false;
    try {
      const page = await this.o.api.messages(id, { before_seq: first, limit: 50 });
      if (id !== this.id) return;
      this.o.socket.seedMessages(page.results);
      this.hasMore = page.has_more;
      this.transcript.prepend(page.results);
    } catch (err) {
      this.o.onError(err);
    } finally {
      this.loadingOlder = false;
      this.$('history-more').hidden = true;
    }
  }

  // --- live events ----------------------------------------------------------------------------

  onMessage(m, kind) {
    // A new question makes the suggestions for the previous one stale.
    const shown = this.suggestions.get(m.conversation_id);
    if (kind === 'new' && m.sender?.type === 'visitor' && shown && shown.message_id !== m.id) {
      this.suggestions.delete(m.conversation_id);
      if (m.conversation_id === this.id) this.renderSuggestions();
    }
    if (m.conversation_id !== this.id) return;
    this.transcript.upsert(m);
    if (m.sender?.type === 'visitor') this.typingIndicator.hide();
    if (m.sender?.type === 'agent' && !m.internal && this.conv && !this.conv.first_response_at) {
      this.render({ ...this.conv, first_response_at: m.created_at });
    }
    if (!m.internal) this.$('fact-count').textContent = String(Math.max(this.transcript.lastSeq, this.conv?.last_seq || 0));
    this.markRead();
  }

  onConversation(conv) {
    if (conv.id === this.id) this.render(conv);
  }

  /** `visitor:updated`: the card, and the header when it is this conversation's visitor. */
  onVisitor(visitor) {
    this.visitorCard.update(visitor);
    if (this.conv && this.conv.visitor?.id === visitor.id) {
      this.render({ ...this.conv, visitor: { ...this.conv.visitor, name: visitor.name, email: visitor.email } });
    }
  }

  onAiStatus(frame) {
    if (frame.conversation_id !== this.id || !this.conv) return;
    this.render({ ...this.conv, ai_enabled: frame.ai_enabled });
  }

  onTyping(frame) {
    if (frame.conversation_id !== this.id) return;
    if (frame.type === 'typing:start') {
      this.typingIndicator.show(fmt(gettext('%(name)s is typing…'), { name: frame.sender?.name || gettext('Visitor') }));
    } else {
      this.typingIndicator.hide();
    }
  }

  onRead(frame) {
    if (frame.conversation_id === this.id && frame.reader?.type === 'visitor') this.transcript.setReadSeq(frame.seq);
  }

  onSuggestion(frame) {
    if (!Array.isArray(frame.suggestions)) return;
    this.suggestionFrames += 1;
    this.suggestions.set(frame.conversation_id, { message_id: frame.message_id, suggestions: frame.suggestions });
    if (frame.conversation_id === this.id) this.renderSuggestions();
  }

  renderSuggestions() {
    const list = this.$('suggestions');
    const items = (this.id && this.suggestions.get(this.id)?.suggestions) || [];
    this.$('ai-empty').hidden = items.length > 0;
    list.replaceChildren(...items.map((s) => el('li', {},
      el('button', {
        type: 'button', class: 'suggestion', title: gettext('Put into the reply box to edit and send'),
        on: { click: () => this.useSuggestion(s.text) },
      },
        el('span', { class: 'suggestion-text', text: s.text }),
        el('span', { class: 'suggestion-meta' },
          el('span', { class: 'suggestion-source', text: s.source || gettext('AI') }),
          typeof s.score === 'number' ? el('span', { class: 'score', text: `${Math.round(s.score * 100)}%` }) : null)))));
  }

  useSuggestion(text) {
    this.composer.put(text);
  }

  showOutbox(items) {
    if (!this.id) return;
    this.transcript.setOutbox(items.filter((i) => i.conversation_id === this.id));
  }

  // --- actions ----------------------------------------------------------------------------------

  /** Reply (the visitor sees it) or private note (agents only). @param {'reply'|'note'} mode */
  setMode(mode) {
    if (mode === this.mode) return;
    if (mode === 'note') this.composer.stopTyping();
    this.mode = mode;
    for (const btn of document.querySelectorAll('.mode-btn')) {
      btn.setAttribute('aria-pressed', String(btn.dataset.mode === mode));
    }
    this.$('composer').classList.toggle('is-note', mode === 'note');
    this.$('mode-hint').hidden = mode !== 'note';
    this.input.placeholder = mode === 'note' ? this.input.dataset.notePlaceholder : this.replyPlaceholder;
    this.input.focus();
  }

  /** @param {string} body @param {any[]} [attachments] */
  send(body, attachments = []) {
    if (!this.id) return;
    this.o.socket.sendMessage({ conversationId: this.id, body, attachments, internal: this.mode === 'note' });
    this.composer.sent();
    this.transcript.scrollToBottom();
  }

  /** Tell the visitor (✓✓) and the other agents' badges that we have read up to here. */
  markRead() {
    if (!this.id || document.visibilityState !== 'visible' || this.o.socket.state !== 'connected') return;
    const seq = this.transcript.lastSeq;
    if (seq <= this.readSent) return;
    this.readSent = seq;
    this.o.inbox.markRead(this.id);
    this.o.socket.request('message:read', { conversation_id: this.id, seq }).catch(() => { this.readSent = 0; });
  }

  async update(changes) {
    if (!this.id) return;
    this.closeMenus();
    try {
      const conv = await this.o.api.updateConversation(this.id, changes);
      this.render(conv);
      this.o.inbox.upsert(conv);
    } catch (err) {
      if (this.conv) this.render(this.conv);
      this.o.onError(err);
    }
  }

  confirm() {
    const dialog = this.$('confirm-dialog');
    return new Promise((resolve) => {
      dialog.returnValue = '';
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
      dialog.showModal();
      dialog.querySelector('.btn-ghost').focus();
    });
  }

  // --- rendering ------------------------------------------------------------------------------

  render(conv) {
    if (conv.id !== this.id) return;
    if (this.conv && this.conv.version > conv.version && this.conv.id === conv.id) {
      conv = { ...conv, status: this.conv.status, assignee: this.conv.assignee, ai_enabled: this.conv.ai_enabled };
    }
    this.conv = conv;
    const name = conv.visitor?.name || gettext('Visitor');
    paintAvatar(this.$('chat-avatar'), name);
    this.$('chat-name').textContent = name;
    const sub = [conv.visitor?.email, fmt(gettext('started %(when)s'), { when: fmtDateTime(conv.created_at) })].filter(Boolean);
    this.$('chat-sub').textContent = sub.join(' · ');
    this.$('status-btn').dataset.status = conv.status;
    this.$('status-label').textContent = STATUS_LABELS[conv.status] || conv.status;
    for (const item of document.querySelectorAll('[data-set-status]')) {
      item.setAttribute('aria-checked', String(item.dataset.setStatus === conv.status));
    }
    const assignee = conv.assignee;
    this.$('assign-label').textContent = !assignee ? gettext('Unassigned') : assignee.id === this.o.me.id ? gettext('You') : assignee.name;
    this.$('ai-toggle').checked = Boolean(conv.ai_enabled);
    // The AI answers only until the team's first reply; after it, it only suggests.
    const aiRow = this.$('ai-toggle').closest('.ai-row');
    aiRow.classList.toggle('is-idle', Boolean(conv.first_response_at));
    aiRow.title = conv.first_response_at
      ? gettext('The AI no longer answers here: the team has replied. It still suggests replies.')
      : gettext('Let the AI assistant answer the visitor until someone from the team replies');
    this.$('visitor-card').hidden = false;
    this.visitorCard.update(conv.visitor);
    this.$('fact-started').textContent = fmtDateTime(conv.created_at);
    this.$('fact-count').textContent = String(conv.last_seq || 0);
  }

  fillAssignMenu() {
    const pop = this.$('assign-pop');
    const current = this.conv?.assignee?.id || null;
    const item = (label, id, status) => el('button', {
      type: 'button', role: 'menuitemradio', class: 'menu-item', 'aria-checked': String(current === id),
      on: { click: () => this.update({ assignee_id: id }) },
    }, status ? el('span', { class: 'presence-dot', dataset: { status }, 'aria-hidden': 'true' }) : null, label);
    const others = this.o.agents().filter((a) => a.id !== this.o.me.id);
    pop.replaceChildren(
      item(gettext('Assign to me'), this.o.me.id, null),
      ...(others.length ? [el('div', { class: 'menu-label', text: gettext('Assign to') })] : []),
      ...others.map((a) => item(a.name, a.id, a.status || 'offline')),
      el('hr'),
      item(gettext('Unassigned'), null, null));
  }

  menu(buttonId, popId, beforeOpen) {
    const btn = this.$(buttonId);
    const pop = this.$(popId);
    btn.addEventListener('click', (ev) => {
      ev.stopPropagation();
      const open = pop.hidden;
      this.closeMenus();
      if (!open) return;
      beforeOpen?.();
      pop.hidden = false;
      btn.setAttribute('aria-expanded', 'true');
      pop.querySelector('[aria-checked="true"], .menu-item')?.focus();
    });
    pop.addEventListener('keydown', (ev) => {
      const items = [...pop.querySelectorAll('.menu-item')];
      const i = items.indexOf(document.activeElement);
      if (ev.key === 'Escape') { this.closeMenus(); btn.focus(); }
      if (ev.key === 'ArrowDown') { ev.preventDefault(); items[(i + 1) % items.length]?.focus(); }
      if (ev.key === 'ArrowUp') { ev.preventDefault(); items[(i - 1 + items.length) % items.length]?.focus(); }
    });
    document.addEventListener('click', (ev) => { if (!pop.hidden && !pop.contains(ev.target)) this.closeMenus(); });
  }

  closeMenus() {
    for (const pop of this.chat.querySelectorAll('.popover')) pop.hidden = true;
    for (const btn of this.chat.querySelectorAll('[aria-expanded]')) btn.setAttribute('aria-expanded', 'false');
  }
}
