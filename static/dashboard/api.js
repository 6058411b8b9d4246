// REST calls of the dashboard: the agent's session cookie plus the CSRF token.
import { gettext } from '../livechat/i18n.js';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || 'http_error';
  }
}

export function createApi({ base, csrf }) {
  async function call(method, path, body) {
    const url = path.startsWith('/') ? path : base + path;
    let res;
    try {
      res = await fetch(url, {
        method,
        credentials: 'same-origin',
        headers: {
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...(method !== 'GET' ? { 'X-CSRFToken': csrf } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch {
      throw new ApiError(0, { detail: gettext('The server cannot be reached.'), code: 'network' });
    }
    if (res.status === 204) return null;
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    if (!res.ok) {
      throw new ApiError(res.status, data);
    }
    return data;
  }

  return {
    get: (path) => call('GET', path),
    patch: (path, body) => call('PATCH', path, body),
    del: (path) => call('DELETE', path),
    post: (path, body) => call('POST', path, body),

    listConversations({ status, mine, q, page }) {
      const p = new URLSearchParams();
      if (status) p.set('status', status);
      if (mine) p.set('assignee', 'me');
      if (q) p.set('q', q);
      if (page) p.set('page', String(page));
      return call('GET', `conversations/?${p}`);
    },
    conversation: (id) => call('GET', `conversations/${encodeURIComponent(id)}/`),
    updateConversation: (id, changes) => call('PATCH', `conversations/${encodeURIComponent(id)}/`, changes),
    messages(id, params = {}) {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v != null) p.set(k, String(v));
      return call('GET', `conversations/${encodeURIComponent(id)}/messages/?${p}`);
    },
    editMessage: (cid, mid, body) => call('PATCH', `conversations/${encodeURIComponent(cid)}/messages/${encodeURIComponent(mid)}/`, { body }),
    deleteMessage: (cid, mid) => call('DELETE', `conversations/${encodeURIComponent(cid)}/messages/${encodeURIComponent(mid)}/`),
  };
}
