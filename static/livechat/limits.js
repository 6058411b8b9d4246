// The server's limits, as the page's template wrote them into data- attributes of its root
// element (dashboard/views.py reads them from the settings), so the browser never enforces
// other numbers than the server.

/**
 * @typedef {object} Limits
 * @property {number} maxBodyLength  characters of a message body (messaging.models.MAX_BODY_LENGTH)
 * @property {number} typingTimeoutMs  the server sends `typing:stop` this long after the last start
 * @property {number} typingThrottleMs  the server relays `typing:start` at most this often
 * @property {number} attachmentMaxBytes  the largest file an upload may be (ATTACHMENT_MAX_BYTES)
 */

const ATTRIBUTES = {
  maxBodyLength: 'data-max-body-length',
  typingTimeoutMs: 'data-typing-timeout-ms',
  typingThrottleMs: 'data-typing-throttle-ms',
  attachmentMaxBytes: 'data-attachment-max-bytes',
};

/**
 * @param {DOMStringMap|Record<string, string|undefined>} dataset  the page root's dataset
 * @returns {Limits}
 */
export function readLimits(dataset) {
  const limits = {};
  for (const [key, attribute] of Object.entries(ATTRIBUTES)) {
    const raw = dataset[key];
    const value = Number(raw);
    // A page without its limits is a template bug: fail loudly rather than guess.
    if (raw == null || raw.trim() === '' || !Number.isFinite(value) || value < 0) {
      throw new Error(`${attribute} is missing or not a number: ${raw}`);
    }
    limits[key] = value;
  }
  return /** @type {Limits} */ (limits);
}
