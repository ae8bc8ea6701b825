/**
 * Text from outside (stream names, event fields, API and parser messages) may hold control
 * bytes: an ESC sequence printed raw can rewrite the terminal (move the cursor, set the
 * title, hide text). Everything the CLI prints for humans goes through `escapeControl`:
 * C0 controls, DEL and C1 controls become visible `\xNN` escapes (a newline too, unless
 * `keepNewlines` is set for multi-line text the CLI wrote itself).
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_AND_NEWLINE = /[\u0000-\u001f\u007f-\u009f]/g;

export function escapeControl(text: string, options: { readonly keepNewlines?: boolean } = {}): string {
  const re = options.keepNewlines === true ? CONTROL : CONTROL_AND_NEWLINE;
  return text.replace(re, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
