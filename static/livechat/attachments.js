// Files in the chat, shared by the dashboard and the widget: the tray of uploads above the
// message box (attach button, drag-and-drop, pasted screenshots, progress, cancel, retry),
// and how a message's attachments are drawn (image thumbnails that open full size, other
// files as a card with name, size and type). Names are set as text, never parsed as HTML.
import { el } from './dom.js';
import { fmt, gettext, lang } from './i18n.js';

const KIND_LABELS = {
  'application/pdf': 'PDF',
  'text/plain': gettext('Text'),
  'text/csv': 'CSV',
  'application/zip': 'ZIP',
  'application/msword': 'Word',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word',
  'application/vnd.ms-excel': 'Excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel',
  'application/vnd.ms-powerpoint': 'PowerPoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PowerPoint',
  'application/vnd.oasis.opendocument.text': 'OpenDocument',
  'application/vnd.oasis.opendocument.spreadsheet': 'OpenDocument',
  'application/vnd.oasis.opendocument.presentation': 'OpenDocument',
};
export const MAX_FILES = 10;

/** 1.4 MB, 320 KB, 12 bytes: in the page's language. @param {number} bytes */
export function formatSize(bytes) {
  const units = [gettext('bytes'), 'KB', 'MB', 'GB'];
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(lang(), { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

/** @param {{content_type: string, name: string}} a */
export function kindLabel(a) {
  if (a.content_type?.startsWith('image/')) return gettext('Image');
  return KIND_LABELS[a.content_type] || (a.name.split('.').pop() || '').toUpperCase() || gettext('File');
}

/**
 * A message in one line (inbox previews, notifications): its text, else its files.
 * @param {{body: string, attachments?: any[]}} m
 */
export function messageSummary(m) {
  if (m.body || !m.attachments?.length) return m.body;
  const [first, ...rest] = m.attachments;
  const name = first.content_type?.startsWith('image/') ? gettext('Image') : first.name;
  return rest.length ? fmt(gettext('%(name)s and %(n)s more'), { name, n: rest.length }) : name;
}

/** The files of a drop or a paste (a pasted screenshot has a generic name: give it a better one). */
export function filesOf(transfer) {
  const list = [...(transfer?.files || [])];
  return list.map((f) => (f.name && f.name !== 'image.png') ? f
    : new File([f], `${gettext('screenshot')}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${(f.type.split('/')[1] || 'png')}`, { type: f.type }));
}

/**
 * A message's attachments: thumbnails that open the full image, and file cards.
 * @param {any[]} attachments  Attachment objects (PROTOCOL section 6)
 * @param {{refresh?: (a: any) => Promise<any>}} [o]  a fresh Attachment, for URLs that expired
 * @returns {HTMLElement|null}
 */
export function renderAttachments(attachments, { refresh } = {}) {
  if (!attachments?.length) return null;
  return el('div', { class: 'atts' }, attachments.map((a) => (a.thumbnail_url ? imageNode(a, refresh) : fileNode(a, refresh))));
}

// The largest a thumbnail is drawn in a message (CSS may shrink it on narrow screens).
const THUMB_BOX = 240;

function imageNode(a, refresh) {
  const scale = Math.min(1, THUMB_BOX / Math.max(a.width || 1, a.height || 1));
  const img = el('img', {
    src: a.thumbnail_url, alt: a.name, loading: 'lazy', decoding: 'async',
    width: String(Math.round((a.width || 160) * scale)), height: String(Math.round((a.height || 120) * scale)),
  });
  const link = el('a', {
    class: 'att-image', href: a.url, target: '_blank', rel: 'noopener noreferrer',
    title: fmt(gettext('Open %(name)s full size'), { name: a.name }),
  }, img);
  keepFresh(link, a, refresh, (fresh) => { img.src = fresh.thumbnail_url; });
  return link;
}

function fileNode(a, refresh) {
  const link = el('a', {
    class: 'att-file', href: a.url, target: '_blank', rel: 'noopener noreferrer', download: a.name,
    title: fmt(gettext('Download %(name)s'), { name: a.name }),
  },
  el('span', { class: 'att-file-icon', 'aria-hidden': 'true', text: kindLabel(a).slice(0, 4) }),
  el('span', { class: 'att-file-text' },
    el('span', { class: 'att-file-name', text: a.name }),
    el('span', { class: 'att-file-meta', text: `${kindLabel(a)} · ${formatSize(a.size)}` })));
  keepFresh(link, a, refresh);
  return link;
}

/**
 * Signed URLs expire (ATTACHMENT_URL_TTL): an image that fails to load, or a link followed
 * long after it was drawn, asks the server for fresh ones first.
 */
function keepFresh(link, a, refresh, onFresh) {
  if (!refresh) return;
  const drawn = Date.now();
  let fresh = null;
  const renew = async () => {
    fresh = await refresh(a);
    link.href = fresh.url;
    onFresh?.(fresh);
    return fresh;
  };
  link.querySelector('img')?.addEventListener('error', () => { if (!fresh) renew().catch(() => {}); }, { once: true });
  link.addEventListener('click', (ev) => {
    if (fresh || Date.now() - drawn < 10 * 60 * 1000) return;
    ev.preventDefault();
    renew().then(() => link.click(), () => {});
  });
}

/**
 * The uploads of the message being written.
 * @typedef {{key: number, file: File, state: 'uploading'|'done'|'failed', progress: number,
 *   attachment?: any, error?: string, abort?: AbortController, preview?: string}} TrayItem
 */
export class AttachmentTray {
  /**
   * @param {object} o
   * @param {HTMLElement} o.list  the <ul> above the message box
   * @param {number} o.maxBytes  ATTACHMENT_MAX_BYTES
   * @param {(file: File, o: {onProgress: (fraction: number) => void, signal: AbortSignal}) => Promise<any>} o.upload
   * @param {(message: string) => void} o.onError
   * @param {() => void} [o.onChange]
   */
  constructor(o) {
    this.o = o;
    /** @type {TrayItem[]} */
    this.items = [];
    this.nextKey = 1;
  }

  /** @param {File[]} files */
  add(files) {
    for (const file of files) {
      if (this.items.length >= MAX_FILES) {
        this.o.onError(fmt(gettext('A message can carry at most %(n)s files.'), { n: MAX_FILES }));
        break;
      }
      if (file.size > this.o.maxBytes) {
        this.o.onError(fmt(gettext('%(name)s is too large: files can be at most %(max)s.'), { name: file.name, max: formatSize(this.o.maxBytes) }));
        continue;
      }
      if (file.size === 0) {
        this.o.onError(fmt(gettext('%(name)s is empty.'), { name: file.name }));
        continue;
      }
      const item = { key: this.nextKey++, file, state: 'uploading', progress: 0 };
      if (file.type.startsWith('image/')) item.preview = URL.createObjectURL(file);
      this.items.push(item);
      this.start(item);
    }
    this.render();
  }

  /** @param {TrayItem} item */
  start(item) {
    item.state = 'uploading';
    item.progress = 0;
    delete item.error;
    item.abort = new AbortController();
    this.o.upload(item.file, {
      signal: item.abort.signal,
      onProgress: (fraction) => { item.progress = fraction; this.renderProgress(item); },
    }).then((attachment) => {
      item.state = 'done';
      item.attachment = attachment;
      this.render();
    }, (err) => {
      if (!this.items.includes(item) || err?.code === 'aborted') return;
      item.state = 'failed';
      item.error = uploadError(err, item.file, this.o.maxBytes);
      this.o.onError(item.error);
      this.render();
    });
  }

  /** @param {TrayItem} item */
  remove(item) {
    item.abort?.abort();
    if (item.preview) URL.revokeObjectURL(item.preview);
    this.items = this.items.filter((i) => i !== item);
    this.render();
  }

  get uploading() { return this.items.some((i) => i.state === 'uploading'); }

  /** @returns {any[]} the uploaded Attachment objects, in the order they were added */
  get ready() { return this.items.filter((i) => i.state === 'done').map((i) => i.attachment); }

  get hasFailed() { return this.items.some((i) => i.state === 'failed'); }

  /** The message went: the tray starts empty (its uploads now belong to the message). */
  clear() {
    for (const item of this.items) {
      if (item.state === 'uploading') item.abort?.abort();
      if (item.preview) URL.revokeObjectURL(item.preview);
    }
    this.items = [];
    this.render();
  }

  render() {
    const { list } = this.o;
    list.hidden = this.items.length === 0;
    list.replaceChildren(...this.items.map((item) => this.itemNode(item)));
    this.o.onChange?.();
  }

  /** @param {TrayItem} item */
  itemNode(item) {
    const name = item.file.name;
    const bar = el('progress', { class: 'tray-progress', max: '1', value: String(item.progress), 'aria-label': fmt(gettext('Uploading %(name)s'), { name }) });
    const status = item.state === 'failed' ? el('span', { class: 'tray-error', text: item.error })
      : item.state === 'uploading' ? bar
        : el('span', { class: 'tray-meta', text: formatSize(item.attachment?.size ?? item.file.size) });
    const actions = [];
    if (item.state === 'failed') {
      actions.push(el('button', { type: 'button', class: 'tray-btn', text: gettext('Retry'), on: { click: () => { this.start(item); this.render(); } } }));
    }
    actions.push(el('button', {
      type: 'button', class: 'tray-remove',
      'aria-label': fmt(item.state === 'uploading' ? gettext('Cancel uploading %(name)s') : gettext('Remove %(name)s'), { name }),
      title: item.state === 'uploading' ? gettext('Cancel') : gettext('Remove'),
      on: { click: () => this.remove(item) },
    }, el('span', { 'aria-hidden': 'true', text: '×' })));
    return el('li', { class: `tray-item is-${item.state}`, dataset: { key: String(item.key) } },
      item.preview ? el('img', { class: 'tray-thumb', src: item.preview, alt: '' })
        : el('span', { class: 'tray-thumb tray-thumb--file', 'aria-hidden': 'true', text: (name.split('.').pop() || '').slice(0, 4).toUpperCase() }),
      el('span', { class: 'tray-text' }, el('span', { class: 'tray-name', text: name }), status),
      ...actions);
  }

  /** @param {TrayItem} item */
  renderProgress(item) {
    const bar = this.o.list.querySelector(`[data-key="${item.key}"] progress`);
    if (bar) bar.value = item.progress;
  }
}

function uploadError(err, file, maxBytes) {
  if (err?.code === 'too_large') return fmt(gettext('%(name)s is too large: files can be at most %(max)s.'), { name: file.name, max: formatSize(maxBytes) });
  if (err?.code === 'unsupported_type') return fmt(gettext('%(name)s cannot be sent: only images, PDF, text, CSV, ZIP and Office files are accepted.'), { name: file.name });
  if (err?.status === 0) return fmt(gettext('%(name)s could not be uploaded: the server cannot be reached.'), { name: file.name });
  return err?.message || fmt(gettext('%(name)s could not be uploaded.'), { name: file.name });
}

/**
 * Files dropped anywhere on `zone` go to `onFiles`; `zone` gets `is-dropping` while a drag
 * with files is over it.
 * @param {HTMLElement} zone @param {(files: File[]) => void} onFiles
 */
export function acceptDrops(zone, onFiles) {
  let depth = 0;
  const hasFiles = (ev) => [...(ev.dataTransfer?.types || [])].includes('Files');
  zone.addEventListener('dragenter', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    depth += 1;
    zone.classList.add('is-dropping');
  });
  zone.addEventListener('dragover', (ev) => { if (hasFiles(ev)) ev.preventDefault(); });
  zone.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (!depth) zone.classList.remove('is-dropping');
  });
  zone.addEventListener('drop', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    depth = 0;
    zone.classList.remove('is-dropping');
    onFiles(filesOf(ev.dataTransfer));
  });
}
