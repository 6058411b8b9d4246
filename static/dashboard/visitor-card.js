// The side panel's visitor card: who the visitor is, the page they are on now (live), their
// browser and system, their local time, when we first saw them and whether they came before;
// agents correct the name and email here (every agent sees the change at once).
import { el } from '../livechat/dom.js';
import { gettext, fmt, lang } from '../livechat/i18n.js';
import { fmtDateTime } from '../livechat/time.js';

const $ = (id) => document.getElementById(id);

export class VisitorCard {
  /**
   * @param {object} o
   * @param {{visitor: Function, updateVisitor: Function}} o.api
   * @param {(err: any) => void} o.onError
   */
  constructor(o) {
    this.o = o;
    this.detail = null;
    this.visitorId = null;
    this.form = /** @type {HTMLFormElement} */ ($('visitor-form'));
    $('visitor-edit').addEventListener('click', () => this.openForm());
    $('visitor-cancel').addEventListener('click', () => this.closeForm());
    this.form.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') this.closeForm(); });
    this.form.addEventListener('submit', (ev) => { ev.preventDefault(); this.save(); });
    setInterval(() => this.renderLocalTime(), 30000);
  }

  /** A conversation was opened: show what it carries at once, then the full context. */
  async show(visitor) {
    if (!visitor?.id) return;
    if (visitor.id !== this.visitorId) {
      this.visitorId = visitor.id;
      this.detail = null;
      this.closeForm();
      this.render(visitor);
    }
    try {
      const detail = await this.o.api.visitor(visitor.id);
      if (detail.id === this.visitorId) this.render(detail);
    } catch (err) {
      this.o.onError(err);
    }
  }

  /** `visitor:updated`: live page, time zone, name or email. */
  update(detail) {
    if (detail?.id === this.visitorId) this.render(detail);
  }

  render(detail) {
    this.detail = { ...this.detail, ...detail };
    const d = this.detail;
    $('fact-name').textContent = d.name || '—';
    $('fact-email').textContent = d.email || '—';
    const page = $('fact-page');
    if (d.page_url) {
      page.replaceChildren(el('a', {
        href: d.page_url, target: '_blank', rel: 'noopener noreferrer', class: 'page-link', title: d.page_url,
        text: d.page_url.replace(/^https?:\/\//, ''),
      }));
    } else {
      page.textContent = '—';
    }
    $('fact-browser').textContent = [d.browser?.name, d.browser?.version].filter(Boolean).join(' ') || '—';
    $('fact-os').textContent = [[d.os?.name, d.os?.version].filter(Boolean).join(' '), d.device].filter(Boolean).join(' · ') || '—';
    $('fact-first-seen').textContent = d.first_seen_at ? fmtDateTime(d.first_seen_at) : '—';
    $('fact-earlier').textContent = d.earlier_conversations == null ? '—'
      : d.earlier_conversations === 0 ? gettext('None') : String(d.earlier_conversations);
    this.renderLocalTime();
  }

  renderLocalTime() {
    const node = $('fact-local-time');
    const zone = this.detail?.time_zone;
    if (!zone) { node.textContent = '—'; return; }
    try {
      const time = new Intl.DateTimeFormat(lang(), { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date());
      node.textContent = `${time} (${zone.replace(/_/g, ' ')})`;
    } catch {
      node.textContent = zone;
    }
  }

  openForm() {
    if (!this.detail) return;
    this.form.elements.namedItem('name').value = this.detail.name || '';
    this.form.elements.namedItem('email').value = this.detail.email || '';
    $('visitor-error').hidden = true;
    this.form.hidden = false;
    $('visitor-edit').hidden = true;
    $('visitor-name-input').focus();
  }

  closeForm() {
    this.form.hidden = true;
    $('visitor-edit').hidden = false;
  }

  async save() {
    const data = new FormData(this.form);
    const fields = { name: String(data.get('name') || '').trim(), email: String(data.get('email') || '').trim() };
    try {
      const detail = await this.o.api.updateVisitor(this.visitorId, fields);
      this.render(detail);
      this.closeForm();
    } catch (err) {
      const node = $('visitor-error');
      const bad = err?.body?.errors?.email ? gettext('Enter a valid email address.') : null;
      node.textContent = bad || err?.body?.detail || fmt(gettext('Could not save: %(error)s'), { error: err?.message || '' });
      node.hidden = false;
    }
  }
}
