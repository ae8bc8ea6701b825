/**
 * Re-indent one JSON text for humans without parsing it into values, so every number keeps its
 * exact digits (ids above 2^53 in a `raw` record stay exact) and key order is untouched.
 * Input must be valid JSON (as every json-kind format produces); whitespace outside strings is
 * replaced by two-space indentation.
 */
export function prettyJson(text: string, indent = '  '): string {
  let out = '';
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    switch (c) {
      case '"':
        inString = true;
        out += c;
        break;
      case '{':
      case '[': {
        const close = c === '{' ? '}' : ']';
        const next = nextNonSpace(text, i + 1);
        if (text[next] === close) {
          out += c + close;
          i = next;
        } else {
          depth++;
          out += `${c}\n${indent.repeat(depth)}`;
        }
        break;
      }
      case '}':
      case ']':
        depth = Math.max(0, depth - 1);
        out += `\n${indent.repeat(depth)}${c}`;
        break;
      case ',':
        out += `,\n${indent.repeat(depth)}`;
        break;
      case ':':
        out += ': ';
        break;
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        break;
      default:
        out += c;
    }
  }
  return out;
}

function nextNonSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r'))
    i++;
  return i;
}
