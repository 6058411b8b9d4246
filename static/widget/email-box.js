// The widget's email box, above the composer. One card, four moods:
// - offline: no agent is online → "leave your email and we'll answer there";
// - offer: the visitor wrote but left no email → "get the reply by email?" (dismissable);
// - transcript: the conversation is closed → "email me this transcript";
// - done: a short confirmation.
// Addresses are checked by the server; a refused one shows its message and changes nothing.
import { gettext, fmt } from '../livechat/i18n.js';

const DISMISS_KEY = 'livechat.widget.email-offer-dismissed';
const $ = (id) => document.getElementById(id);

export class EmailBox {
  /**
   * @param {object} o
   * @param {ReturnType<import('../livechat/api.js').createApi>} o.api  the widget API
   * @param {() => Promise<string>} o.ensureSession  creates the visitor when there is none
   * @param {() => boolean} o.hasSession
   * @param {{show: Function, error: Function}} o.toast
   */
  constructor(o) {
    this.o = o;
    this.form = /** @type {HTMLFormElement} */ ($('w-email-box'));
    this.input = /** @type {HTMLInputElement} */ ($('w-email-input'));
    this.state = { online: null, email: null, conversation: false, closed: false, done: false };
    this.dismissed = safeSession(DISMISS_KEY) === '1';
    this.form.addEventListener('submit', (ev) => { ev.preventDefault(); this.submit(); });
    $('w-email-dismiss').addEventListener('click', () => {
      this.dismissed = true;
      safeSession(DISMISS_KEY, '1');
      this.render();
    });
  }

  /** @param {Partial<{online: boolean, email: string|null, conversation: boolean, closed: boolean}>} changes */
  set(changes) {
    const reopened = changes.closed === false && this.state.closed;
    Object.assign(this.state, changes);
    if (reopened || changes.closed) this.state.done = false;
    this.render();
  }

  mood() {
    const s = this.state;
    if (s.done) return 'done';
    if (s.closed && s.conversation) return 'transcript';
    if (s.email) return null;
    if (s.online === false) return 'offline';
    if (s.conversation && !this.dismissed) return 'offer';
    return null;
  }

  render() {
    const mood = this.mood();
    this.form.hidden = !mood;
    document.getElementById('widget').dataset.emailMood = mood || '';
    if (!mood) return;
    this.form.dataset.mood = mood;
    const texts = {
      offline: [gettext("We're away right now"), gettext("Leave your email and we'll answer there as soon as we're back."), gettext('Notify me')],
      offer: [gettext('Get the reply by email?'), gettext("If you leave before we answer, we'll email you."), gettext('Save')],
      transcript: [gettext('This conversation is closed'), gettext('Want a copy? We can email you the transcript.'), gettext('Email me the transcript')],
      done: [gettext('Thank you!'), this.doneText || '', ''],
    }[mood];
    $('w-email-title').textContent = texts[0];
    $('w-email-text').textContent = texts[1];
    $('w-email-submit').textContent = texts[2];
    $('w-email-row').hidden = mood === 'done';
    $('w-email-dismiss').hidden = mood !== 'offer';
    if (mood === 'transcript' && this.state.email && !this.input.value) this.input.value = this.state.email;
  }

  async submit() {
    const email = this.input.value.trim();
    const mood = this.mood();
    if (!email || !this.input.checkValidity()) {
      this.o.toast.show(gettext('Please check the email address.'));
      this.input.focus();
      return;
    }
    const button = $('w-email-submit');
    button.disabled = true;
    try {
      if (mood === 'transcript') {
        const r = await this.o.api.post('transcript/', { email });
        this.doneText = fmt(gettext('The transcript is on its way to %(email)s.'), { email: r.email });
        this.state.email = r.email;
      } else {
        if (!this.o.hasSession()) await this.o.ensureSession();
        const visitor = await this.o.api.patch('visitor/', { email });
        this.state.email = visitor.email;
        this.doneText = fmt(gettext("We'll email you at %(email)s."), { email: visitor.email });
      }
      this.state.done = true;
      this.render();
    } catch (err) {
      const detail = err?.body?.errors?.email ? gettext('Please check the email address.') : err?.body?.detail;
      this.o.toast.show(detail || err?.message || gettext('Something went wrong.'));
    } finally {
      button.disabled = false;
    }
  }
}

function safeSession(key, value) {
  try {
    if (value === undefined) return sessionStorage.getItem(key);
    sessionStorage.setItem(key, value);
  } catch { /* storage blocked: the offer comes back on the next page */ }
  return null;
}
