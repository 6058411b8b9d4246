// The message box, shared by the dashboard and the widget.

/**
 * A textarea that grows with its content up to a limit.
 * @param {HTMLTextAreaElement} textarea @param {number} [max] px
 * @returns {() => void} refit (after setting the value from code)
 */
export function autoGrow(textarea, max = 180) {
  const fit = () => {
    textarea.style.height = 'auto';
    textarea.style.height = `${Math.min(max, textarea.scrollHeight)}px`;
  };
  textarea.addEventListener('input', fit);
  return fit;
}
