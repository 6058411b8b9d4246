// The one way our pages call the server over HTTP: JSON in and out, errors as ApiError.
// The dashboard authenticates with its session cookie plus the CSRF token on writes; the
// widget with its visitor token (`Authorization: Visitor <token>`).
import { gettext } from './i18n.js';

/** A refused or failed call: `status` 0 when the server could not be reached. */
export class ApiError extends Error {
  /** @param {number} status @param {any} body the parsed JSON error body, if any */
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body?.code || 'http_error';
    this.body = body;
  }
}

/**
 * @param {object} o
 * @param {string} [o.base]  prefix of paths that do not start with `/`
 * @param {string} [o.csrf]  session pages: sent as X-CSRFToken on every write
 * @param {() => string|null} [o.visitorToken]  the widget: read at each call, sent when set
 * @param {typeof fetch} [o.fetch]  default globalThis.fetch
 */
export function createApi({ base = '', csrf, visitorToken, fetch: fetchImpl } = {}) {
  const doFetch = fetchImpl ?? ((...args) => globalThis.fetch(...args));

  /** @returns {Promise<any>} the JSON answer; null for 204 or a body that is not JSON */
  async function call(method, path, body) {
    const url = path.startsWith('/') ? path : base + path;
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (csrf && method !== 'GET') headers['X-CSRFToken'] = csrf;
    const token = visitorToken?.();
    if (token) headers.Authorization = `Visitor ${token}`;
    let res;
    try {
      res = await doFetch(url, {
        method,
        credentials: 'same-origin',
        headers,
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch {
      throw new ApiError(0, { detail: gettext('The server cannot be reached.'), code: 'network' });
    }
    if (res.status === 204) return null;
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }

  /**
   * A file as multipart (field `file`), with upload progress: XMLHttpRequest, because fetch
   * reports none. Rejects with ApiError (`code` "aborted" after `signal` aborts).
   * @param {string} path @param {File} file
   * @param {{onProgress?: (fraction: number) => void, signal?: AbortSignal, XHR?: any}} [o]
   * @returns {Promise<any>} the JSON answer (an Attachment)
   */
  function upload(path, file, { onProgress, signal, XHR = globalThis.XMLHttpRequest } = {}) {
    const url = path.startsWith('/') ? path : base + path;
    return new Promise((resolve, reject) => {
      const xhr = new XHR();
      xhr.open('POST', url);
      xhr.setRequestHeader('Accept', 'application/json');
      if (csrf) xhr.setRequestHeader('X-CSRFToken', csrf);
      const token = visitorToken?.();
      if (token) xhr.setRequestHeader('Authorization', `Visitor ${token}`);
      xhr.upload.onprogress = (ev) => ev.lengthComputable && onProgress?.(ev.loaded / ev.total);
      xhr.onload = () => {
        let data = null;
        try { data = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300) resolve(data);
        else reject(new ApiError(xhr.status, data));
      };
      xhr.onerror = () => reject(new ApiError(0, { detail: gettext('The server cannot be reached.'), code: 'network' }));
      xhr.onabort = () => reject(new ApiError(0, { detail: gettext('Upload cancelled.'), code: 'aborted' }));
      if (signal?.aborted) return xhr.onabort();
      signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      const form = new FormData();
      form.append('file', file, file.name);
      xhr.send(form);
    });
  }

  return {
    upload,
    /** @param {string} path */
    get: (path) => call('GET', path),
    /** @param {string} path @param {any} body */
    post: (path, body) => call('POST', path, body),
    /** @param {string} path @param {any} body */
    patch: (path, body) => call('PATCH', path, body),
    /** @param {string} path */
    del: (path) => call('DELETE', path),
  };
}
