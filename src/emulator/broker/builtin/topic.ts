/**
 * AMQP topic matching: words separated by '.', '*' matches exactly one word, '#' zero or more.
 * A pattern compiles once into a predicate.
 */
export function compileTopic(pattern: string): (key: string) => boolean {
  const words = pattern.split('.');
  if (!words.includes('#')) {
    return (key) => {
      const k = key.split('.');
      if (k.length !== words.length) return false;
      for (let i = 0; i < words.length; i++) if (words[i] !== '*' && words[i] !== k[i]) return false;
      return true;
    };
  }
  const match = (k: readonly string[], i: number, j: number): boolean => {
    if (i === words.length) return j === k.length;
    const w = words[i];
    if (w === '#') {
      for (let n = j; n <= k.length; n++) if (match(k, i + 1, n)) return true;
      return false;
    }
    return j < k.length && (w === '*' || w === k[j]) && match(k, i + 1, j + 1);
  };
  return (key) => match(key.split('.'), 0, 0);
}
