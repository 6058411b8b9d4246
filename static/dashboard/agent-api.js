// The REST endpoints the dashboard reads and writes, as the signed-in agent.
import { createApi } from '../livechat/api.js';

const enc = encodeURIComponent;

/**
 * @param {object} o
 * @param {string} o.base  the REST root, /api/v1/
 * @param {string} o.csrf
 * @param {string} o.agentsUrl  the dashboard's list of agents
 * @param {string} o.readStateUrl  the dashboard's read marks of conversations
 */
export function createAgentApi({ base, csrf, agentsUrl, readStateUrl }) {
  const api = createApi({ base, csrf });
  return {
    listConversations({ status, mine, q, page }) {
      const p = new URLSearchParams();
      if (status) p.set('status', status);
      if (mine) p.set('assignee', 'me');
      if (q) p.set('q', q);
      if (page) p.set('page', String(page));
      return api.get(`conversations/?${p}`);
    },
    conversation: (id) => api.get(`conversations/${enc(id)}/`),
    updateConversation: (id, changes) => api.patch(`conversations/${enc(id)}/`, changes),
    messages(id, params = {}) {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v != null) p.set(k, String(v));
      return api.get(`conversations/${enc(id)}/messages/?${p}`);
    },
    /** @param {string} cid @param {File} file @param {{onProgress?: Function, signal?: AbortSignal}} o */
    uploadAttachment: (cid, file, o) => api.upload(`conversations/${enc(cid)}/attachments/`, file, o),
    /** The Attachment with fresh signed URLs. @param {string} id */
    attachment: (id) => api.get(`attachments/${enc(id)}/`),
    editMessage: (cid, mid, body) => api.patch(`conversations/${enc(cid)}/messages/${enc(mid)}/`, { body }),
    deleteMessage: (cid, mid) => api.del(`conversations/${enc(cid)}/messages/${enc(mid)}/`),
    /** The AI's suggestions for the visitor's latest message: {conversation_id, message_id, suggestions}. */
    suggestions: (id) => api.get(`conversations/${enc(id)}/suggestions/`),
    /** A visitor with the side panel's context (page, browser, time zone, history). */
    visitor: (id) => api.get(`visitors/${enc(id)}/`),
    updateVisitor: (id, fields) => api.patch(`visitors/${enc(id)}/`, fields),
    /** Team responses and my own; `q` matches shortcut, title and body. */
    cannedResponses: (q = '') => api.get(`canned-responses/?${new URLSearchParams(q ? { q } : {})}`),
    createCanned: (fields) => api.post('canned-responses/', fields),
    updateCanned: (id, fields) => api.patch(`canned-responses/${enc(id)}/`, fields),
    deleteCanned: (id) => api.del(`canned-responses/${enc(id)}/`),
    /** @returns {Promise<{text: string}>} the body with the conversation's variables filled in */
    renderCanned: (id, conversationId) => api.post(`canned-responses/${enc(id)}/render/`, { conversation_id: conversationId }),
    /** @returns {Promise<{agents: Array<{id: string, name: string}>}>} */
    agents: () => api.get(agentsUrl),
    /** @param {string[]} ids @returns {Promise<Record<string, {last_seq: number, agent_last_read_seq: number, visitor_last_read_seq: number}>>} */
    readState: (ids) => api.get(`${readStateUrl}?ids=${enc(ids.join(','))}`),
  };
}
