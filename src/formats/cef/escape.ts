/**
 * CEF escaping (ArcSight "Implementing ArcSight Common Event Format (CEF)", "Character Encoding"):
 *
 * - "If a pipe (|) is used in the header, it has to be escaped with a backslash (\). But note
 *   that pipes in the extension do not need escaping."
 * - "If a backslash (\) is used in the header or the extension, it has to be escaped with
 *   another backslash (\)."
 * - "If an equal sign (=) is used in the extensions, it has to be escaped with a backslash (\).
 *   Equal signs in the header need no escaping."
 * - "Multi-line fields can be sent by CEF by encoding the newline character as \n or \r. Note
 *   that multiple lines are only allowed in the value part of the extensions."
 *
 * So the header folds CR/LF into a space (a header cannot span lines), and both parts drop
 * other C0 control characters, which no CEF parser expects inside a syslog line.
 */

/**
 * C0 controls and DEL are never emitted (CR/LF become a space or `\n`/`\r`); the Unicode line
 * breaks NEL, LS and PS become a space, since some line readers split on them.
 */
function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f || code === 0x85 || code === 0x2028 || code === 0x2029;
}

function isUnicodeBreak(code: number): boolean {
  return code === 0x85 || code === 0x2028 || code === 0x2029;
}

function needsWork(v: string, special: number): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x5c || c === special || isControl(c)) return true;
  }
  return false;
}

export function escapeHeader(v: string): string {
  return escapeWith(v, 0x7c, headerEscape);
}

export function escapeValue(v: string): string {
  return escapeWith(v, 0x3d, valueEscape);
}

/** Header: `\` and `|` escaped; CR, LF, tab and Unicode breaks become a space. */
function headerEscape(c: number): string | undefined {
  if (c === 0x5c) return '\\\\';
  if (c === 0x7c) return '\\|';
  if (c === 0x0a || c === 0x0d || c === 0x09 || isUnicodeBreak(c)) return ' ';
  return undefined;
}

/** Extension value: `\` and `=` escaped; LF and CR as `\n` and `\r`; tab and Unicode breaks a space. */
function valueEscape(c: number): string | undefined {
  if (c === 0x5c) return '\\\\';
  if (c === 0x3d) return '\\=';
  if (c === 0x0a) return '\\n';
  if (c === 0x0d) return '\\r';
  if (c === 0x09 || isUnicodeBreak(c)) return ' ';
  return undefined;
}

/** `v` with each character `escape` names replaced and the other control characters dropped. */
function escapeWith(v: string, special: number, escape: (c: number) => string | undefined): string {
  if (!needsWork(v, special)) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const replaced = escape(c);
    if (replaced !== undefined) out += replaced;
    else if (!isControl(c)) out += v[i];
  }
  return out;
}

/**
 * Cut to the spec's maximum length for a field (counted in characters, before escaping, so an
 * escape sequence is never split) without splitting a surrogate pair.
 */
export function truncate(v: string, max: number): string {
  if (v.length <= max) return v;
  const code = v.charCodeAt(max - 1);
  return v.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
