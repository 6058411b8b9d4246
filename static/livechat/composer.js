// The message box, shared by the dashboard and the widget: it grows with its text, Enter
// sends (Shift+Enter is a new line), the other side sees while someone types, and a body
// the server would refuse is stopped here.
import { fmt, gettext, lang } from './i18n.js';
import { typingNotifier } from './typing.js';

/**
 * A textarea that grows with its content up to its CSS max-height.
 * @param {HTMLTextAreaElement} textarea
 * @returns {() => void} refit (after setting the value from code)
 */
function autoGrow(textarea) {
  const fit = () => {
    const max = parseFloat(getComputedStyle(textarea).maxHeight) || Infinity;
    textarea.style.height = 'auto';
    textarea.style.height = `${Math.min(max, textarea.scrollHeight)}px`;
  };
  textarea.addEventListener('input', fit);
  return fit;
}

export class Composer {
  /**
   * @param {object} o
   * @param {HTMLFormElement} o.form
   * @param {HTMLTextAreaElement} o.input
   * @param {import('./limits.js').Limits} o.limits
   * @param {(type: 'typing:start'|'typing:stop') => void} o.sendTyping
   * @param {(body: string, attachments: any[]) => void} o.onSubmit  the trimmed text (empty
   *   only with files) and the uploaded files, when not too long; the page sends them and
   *   calls sent()
   * @param {(err: {message: string}) => void} o.onError  a body too long to send
   * @param {import('./attachments.js').AttachmentTray} [o.tray]  the uploads of the message
   */
  constructor({ form, input, limits, sendTyping, onSubmit, onError, tray }) {
    this.input = input;
    this.limits = limits;
    this.onSubmit = onSubmit;
    this.onError = onError;
    this.tray = tray;
    this.typing = typingNotifier(sendTyping, limits);
    this.fit = autoGrow(input);
    input.addEventListener('input', () => this.typing.input(input.value.trim().length > 0));
    input.addEventListener('blur', () => this.typing.stop());
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.submit();
      }
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
  }

  submit() {
    const body = this.input.value.trim();
    const files = this.tray?.ready ?? [];
    if (this.tray?.uploading) return this.onError({ message: gettext('Wait until the files have uploaded.') });
    if (this.tray?.hasFailed) return this.onError({ message: gettext('Retry or remove the files that could not be uploaded.') });
    if (!body && !files.length) return;
    const max = this.limits.maxBodyLength;
    if (body.length > max) {
      const n = new Intl.NumberFormat(lang()).format(max);
      return this.onError({ message: fmt(gettext('A message can be at most %(max)s characters.'), { max: n }) });
    }
    this.onSubmit(body, files);
  }

  /** The message is on its way: no more typing, an empty box and tray. */
  sent() {
    this.typing.stop();
    this.clear();
    this.tray?.clear();
  }

  clear() {
    this.input.value = '';
    this.fit();
  }

  /** Text into the box (e.g. a suggestion), ready to edit: focused, caret at the end. @param {string} text */
  put(text) {
    this.input.value = text;
    this.fit();
    this.input.focus();
    this.input.setSelectionRange(text.length, text.length);
  }

  stopTyping() {
    this.typing.stop();
  }
}
