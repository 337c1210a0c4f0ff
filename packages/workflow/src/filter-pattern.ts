/**
 * GitHub's filter patterns for branches, tags and paths: `*` (no `/`), `**` (anything), `?`
 * and `+` (zero-or-one / one-or-more of the preceding character), `[…]`, and `!` to negate,
 * the last matching pattern deciding. Pure.
 */

export function patternToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] as string;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        out += '.*';
        i += 1;
      } else out += '[^/]*';
    } else if (c === '?' || c === '+') {
      out += c;
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) out += '\\[';
      else {
        out += `[${pattern.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      out += escape(pattern[i + 1] as string);
      i += 1;
    } else out += escape(c);
  }
  return new RegExp(`^${out}$`);
}

function escape(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** Whether `value` is selected by the patterns: the last pattern that matches decides. */
export function selectedBy(patterns: readonly string[], value: string): boolean {
  let selected = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (patternToRegExp(negated ? pattern.slice(1) : pattern).test(value)) selected = !negated;
  }
  return selected;
}
