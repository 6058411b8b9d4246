// Agent dashboard entry point: one LivechatSocket, the inbox, the conversation pane, the team.
import { LivechatSocket } from '../livechat/socket.js';
import { createAgentApi } from './agent-api.js';
import { Inbox } from './inbox.js';
import { ChatPane } from './chat.js';
import { Notifier } from './notify.js';
import { el, paintAvatar } from '../livechat/dom.js';
import { gettext, fmt } from '../livechat/i18n.js';
import { wsUrl, connectionBadge } from '../livechat/connection.js';
import { createToast } from '../livechat/toast.js';
import { readLimits } from '../livechat/limits.js';
import { messageSummary } from '../livechat/attachments.js';
import { watchSession } from './signout.js';

const PRESENCE_KEY = 'livechat.presence';
const PRESENCE_LABELS = { online: gettext('Online'), away: gettext('Away'), offline: gettext('Offline') };

const root = document.getElementById('app');
const me = { id: root.dataset.meId, name: root.dataset.meName };
const aiActive = root.dataset.aiActive === '1';
const limits = readLimits(root.dataset);
const api = createAgentApi({
  base: root.dataset.api, csrf: root.dataset.csrf,
  agentsUrl: root.dataset.agentsUrl, readStateUrl: root.dataset.readStateUrl,
});
// One outbox per agent: on a shared computer, a colleague's unsent replies never go out under our name.
const socket = new LivechatSocket({
  url: wsUrl(root.dataset.wsPath), role: 'agent', storageKey: `livechat.outbox.agent.${me.id}`,
});
const agents = new Map();
let myPresence = localStorage.getItem(PRESENCE_KEY) === 'away' ? 'away' : 'online';
let everConnected = false;

for (const node of document.querySelectorAll('[data-avatar]')) paintAvatar(node, node.dataset.avatar);

const toast = createToast(document.getElementById('toast'));
const showError = toast.error;
const showMention = toast.show;

// --- inbox and pane ------------------------------------------------------------------------------
const inbox = new Inbox({
  api, me, aiActive, onError: showError,
  onSelect: (id) => selectConversation(id),
});
const pane = new ChatPane({
  api, socket, me, inbox, limits, aiActive, onError: showError, cannedUrl: root.dataset.cannedUrl,
  agents: () => [...agents.values()],
});

function selectConversation(id, { focusList = false } = {}) {
  inbox.select(id);
  pane.open(id);
  if (history.replaceState) history.replaceState(null, '', `#c=${encodeURIComponent(id)}`);
  if (focusList) document.querySelector(`.conv[data-id="${CSS.escape(id)}"] .conv-item`)?.focus();
}

// --- connection indicator -----------------------------------------------------------------------
const showConnection = connectionBadge({
  socket,
  badge: document.getElementById('conn'),
  label: document.getElementById('conn-label'),
  offlineTarget: document.body,
});
showConnection('connecting');

// --- the session ending (logout elsewhere, deactivation, role or password change) ---------------
watchSession({
  socket,
  probe: () => api.agents(),
  onSignedOut: () => {
    showConnection('signed-out');
    const dialog = /** @type {HTMLDialogElement} */ (document.getElementById('signed-out'));
    // Nothing behind it works any more: the dialog stays until the agent signs in again.
    dialog.addEventListener('cancel', (ev) => ev.preventDefault());
    dialog.showModal();
    document.getElementById('signed-out-login')?.focus();
  },
});

// --- team presence ----------------------------------------------------------------------------
const teamList = document.getElementById('team-list');
function renderTeam() {
  const order = { online: 0, away: 1, offline: 2 };
  const list = [...agents.values()].sort((a, b) => (order[a.status] - order[b.status]) || a.name.localeCompare(b.name));
  teamList.replaceChildren(...list.map((a) => {
    const avatar = el('span', { class: 'avatar avatar-sm', 'aria-hidden': 'true' });
    paintAvatar(avatar, a.name);
    return el('li', { class: 'member', dataset: { status: a.status, id: a.id } },
      el('span', { class: 'member-avatar' }, avatar, el('span', { class: 'presence-dot', dataset: { status: a.status }, 'aria-hidden': 'true' })),
      el('span', { class: 'member-name', text: a.id === me.id ? fmt(gettext('%(name)s (you)'), { name: a.name }) : a.name }),
      el('span', { class: 'member-status', text: PRESENCE_LABELS[a.status] || a.status }));
  }));
}
function setAgentStatus(agent, status) {
  const cur = agents.get(agent.id) || { id: agent.id, name: agent.name, status: 'offline' };
  agents.set(agent.id, { ...cur, name: agent.name || cur.name, status });
  renderTeam();
}
async function loadAgents() {
  try {
    const data = await api.agents();
    for (const a of data.agents) {
      const cur = agents.get(a.id);
      agents.set(a.id, { id: a.id, name: a.name, status: cur?.status || a.status || 'offline' });
    }
    renderTeam();
  } catch { /* the panel stays as it is */ }
}

// My own presence menu.
const meBtn = document.getElementById('me-btn');
const mePop = document.getElementById('me-pop');
function paintMyPresence() {
  const shown = socket.state === 'connected' ? myPresence : 'offline';
  document.getElementById('me-presence').dataset.status = shown;
  meBtn.title = PRESENCE_LABELS[shown];
  for (const item of mePop.querySelectorAll('[data-presence]')) {
    item.setAttribute('aria-checked', String(item.dataset.presence === myPresence));
  }
  if (socket.state === 'connected') setAgentStatus(me, myPresence);
}
async function setPresence(status) {
  myPresence = status;
  localStorage.setItem(PRESENCE_KEY, status);
  paintMyPresence();
  if (socket.state === 'connected') await socket.request('presence:set', { status }).catch(showError);
}
meBtn.addEventListener('click', (ev) => {
  ev.stopPropagation();
  mePop.hidden = !mePop.hidden;
  meBtn.setAttribute('aria-expanded', String(!mePop.hidden));
  if (!mePop.hidden) mePop.querySelector('[aria-checked="true"]')?.focus();
});
mePop.addEventListener('click', (ev) => {
  const item = ev.target.closest('[data-presence]');
  if (!item) return;
  setPresence(item.dataset.presence);
  mePop.hidden = true;
  meBtn.setAttribute('aria-expanded', 'false');
});
mePop.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') { mePop.hidden = true; meBtn.focus(); }
});
document.addEventListener('click', (ev) => {
  if (!mePop.hidden && !mePop.contains(ev.target)) { mePop.hidden = true; meBtn.setAttribute('aria-expanded', 'false'); }
});

// --- notifications ---------------------------------------------------------------------------------
const notifier = new Notifier(document.getElementById('notify-btn'));
const baseTitle = document.title;
let hiddenUnread = 0;
function bumpTitle() {
  if (document.visibilityState === 'visible') return;
  hiddenUnread += 1;
  document.title = `(${hiddenUnread}) ${baseTitle}`;
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') {
    hiddenUnread = 0;
    document.title = baseTitle;
  }
});

// --- socket events ------------------------------------------------------------------------------------
socket.on('hello', (frame) => {
  if (frame.user?.id) me.id = String(frame.user.id);
  paintMyPresence();
  if (myPresence === 'away') socket.request('presence:set', { status: 'away' }).catch(() => {});
  // The snapshot lists everyone who is not offline; anyone else is.
  if (Array.isArray(frame.presence)) {
    const live = new Map(frame.presence.map((p) => [String(p.agent?.id), p]));
    for (const a of agents.values()) if (a.id !== me.id && !live.has(a.id)) a.status = 'offline';
    for (const p of live.values()) if (String(p.agent.id) !== me.id) setAgentStatus({ id: String(p.agent.id), name: p.agent.name }, p.status);
  }
  pane.join();
  pane.markRead();
  // Anything that happened to the list while we were away: read it again.
  if (everConnected) inbox.load();
  everConnected = true;
});
socket.onConnectionStatusChange((state) => {
  if (state !== 'connected') paintMyPresence();
});

socket.on('new_conversation', (frame) => {
  const c = frame.conversation;
  inbox.upsert(c);
  bumpTitle();
  notifier.notify({
    title: gettext('New conversation'),
    body: fmt(gettext('%(name)s started a chat'), { name: c.visitor?.name || gettext('Visitor') }),
    tag: `conv-${c.id}`,
    onClick: () => selectConversation(c.id),
  });
});

socket.on('new_message', (frame) => {
  const m = frame.message;
  const fromVisitor = m.sender?.type === 'visitor';
  const looking = m.conversation_id === pane.id && document.visibilityState === 'visible';
  inbox.noteMessage(m, { unread: fromVisitor && !looking });
  if (fromVisitor && !looking) {
    bumpTitle();
    notifier.notify({
      title: fmt(gettext('New message from %(name)s'), { name: m.sender.name }),
      body: messageSummary(m),
      tag: `conv-${m.conversation_id}`,
      onClick: () => selectConversation(m.conversation_id),
    });
  }
});

// A colleague named me in a private note: a chime and a desktop notification when the tab
// is hidden, a toast when I am looking at another conversation.
socket.on('mention', (frame) => {
  const m = frame.message;
  const title = fmt(gettext('%(name)s mentioned you'), { name: frame.by?.name || gettext('An agent') });
  bumpTitle();
  const shown = notifier.notify({
    title, body: m?.body || '', tag: `mention-${m?.id}`,
    onClick: () => selectConversation(frame.conversation_id),
  });
  if (!shown && frame.conversation_id !== pane.id) showMention(`${title}: ${m?.body || ''}`);
});

socket.onMessage((m, kind) => {
  pane.onMessage(m, kind);
  if (kind !== 'new') inbox.noteChange(m);
});

socket.on('conversation:updated', (frame) => {
  inbox.upsert(frame.conversation);
  pane.onConversation(frame.conversation);
});
socket.on('ai_status_changed', (frame) => {
  const c = inbox.get(frame.conversation_id);
  if (c) inbox.upsert({ ...c, ai_enabled: frame.ai_enabled });
  pane.onAiStatus(frame);
});
socket.on('ai_suggestion', (frame) => pane.onSuggestion(frame));
socket.on('visitor:updated', (frame) => {
  const v = frame.visitor;
  if (!v) return;
  pane.onVisitor(v);
  const c = v.conversation_id && inbox.get(v.conversation_id);
  if (c) inbox.upsert({ ...c, visitor: { ...c.visitor, name: v.name, email: v.email } });
});
socket.on('typing:start', (frame) => pane.onTyping(frame));
socket.on('typing:stop', (frame) => pane.onTyping(frame));
socket.on('conversation:read', (frame) => pane.onRead(frame));
socket.on('presence:update', (frame) => {
  if (frame.agent) setAgentStatus({ id: String(frame.agent.id), name: frame.agent.name }, frame.status);
});

// --- language switcher: submit on change (no inline handlers under our CSP) ---------------------------
const langSelect = document.getElementById('lang-select');
langSelect?.addEventListener('change', () => langSelect.form.submit());

// --- keyboard shortcuts -------------------------------------------------------------------------------
document.addEventListener('keydown', (ev) => {
  const typingInField = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName || '');
  if (ev.key === '/' && !typingInField) {
    ev.preventDefault();
    document.getElementById('search').focus();
  }
  if (ev.altKey && (ev.key === 'ArrowDown' || ev.key === 'ArrowUp')) {
    const ids = [...document.querySelectorAll('#conv-list .conv')].map((n) => n.dataset.id);
    const i = ids.indexOf(pane.id);
    const next = ids[i + (ev.key === 'ArrowDown' ? 1 : -1)] ?? ids[0];
    if (next) { ev.preventDefault(); selectConversation(next); }
  }
});

// --- start ---------------------------------------------------------------------------------------------
await Promise.all([loadAgents(), inbox.load()]);
paintMyPresence();
socket.connect();
const fromHash = new URLSearchParams(location.hash.slice(1)).get('c');
if (fromHash) selectConversation(fromHash);
root.dataset.ready = '1';
window.livechat = { socket, inbox, pane };
