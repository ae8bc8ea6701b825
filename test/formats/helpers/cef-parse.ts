/**
 * A strict reader for the CEF lines our formatter writes (test helper): splits the header on
 * unescaped pipes (7 fields before the extension) and the extension into key=value pairs, where a
 * new pair starts at a space followed by `key=` with an unescaped `=`. Values are unescaped.
 */
export interface ParsedCef {
  readonly header: string[];
  readonly ext: Map<string, string>;
}

export function parseCef(line: string): ParsedCef {
  const header: string[] = [];
  let cur = '';
  let i = 0;
  for (; i < line.length && header.length < 7; i++) {
    const c = line[i]!;
    if (c === '\\') {
      const n = line[i + 1];
      if (n !== '\\' && n !== '|') throw new Error(`bad header escape at ${i}`);
      cur += n;
      i++;
    } else if (c === '|') {
      header.push(cur);
      cur = '';
    } else cur += c;
  }
  if (header.length !== 7) throw new Error(`header has ${header.length} fields`);
  return { header, ext: parseExtension(line.slice(i)) };
}

function parseExtension(s: string): Map<string, string> {
  const ext = new Map<string, string>();
  // positions of unescaped '='
  const keyRe = /(?:^| )([A-Za-z0-9_]+)=/g;
  const starts: { key: string; at: number; valueAt: number }[] = [];
  for (let m = keyRe.exec(s); m !== null; m = keyRe.exec(s)) {
    const eq = m.index + m[0].length - 1;
    if (isEscaped(s, eq)) continue;
    starts.push({ key: m[1]!, at: m.index, valueAt: eq + 1 });
  }
  starts.forEach((st, k) => {
    const end = k + 1 < starts.length ? starts[k + 1]!.at : s.length;
    if (ext.has(st.key)) throw new Error(`duplicate key ${st.key}`);
    ext.set(st.key, unescapeValue(s.slice(st.valueAt, end)));
  });
  return ext;
}

function isEscaped(s: string, pos: number): boolean {
  let n = 0;
  for (let j = pos - 1; j >= 0 && s[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

function unescapeValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c !== '\\') {
      if (c === '=') throw new Error('unescaped = inside a value');
      out += c;
      continue;
    }
    const n = v[++i];
    if (n === '\\' || n === '=') out += n;
    else if (n === 'n') out += '\n';
    else if (n === 'r') out += '\r';
    else throw new Error(`bad escape \\${n ?? ''}`);
  }
  return out;
}
