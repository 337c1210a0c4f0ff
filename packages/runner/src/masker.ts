/**
 * Hides secrets in text: each value and the forms it may be printed in — base64 (at each of
 * the three byte alignments), URL-encoded and JSON-escaped. Multi-line values are also masked
 * line by line, as output is read line by line.
 */
export const MASK = '***';

export class Masker {
  #forms = new Set<string>();
  #pattern: RegExp | undefined;
  #longest = 0;

  add(value: string): void {
    for (const form of maskForms(value)) {
      if (form.length === 0 || this.#forms.has(form)) continue;
      this.#forms.add(form);
      this.#longest = Math.max(this.#longest, form.length);
      this.#pattern = undefined;
    }
  }

  /** Length of the longest form: text held back at a chunk boundary must be one less than this. */
  get longest(): number {
    return this.#longest;
  }

  get size(): number {
    return this.#forms.size;
  }

  mask(text: string): string {
    if (this.#forms.size === 0 || text.length === 0) return text;
    this.#pattern ??= new RegExp([...this.#forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
    return text.replace(this.#pattern, MASK);
  }

  /** Where each masked occurrence ends, so a split never cuts one in two. */
  lastMatchEnd(text: string, before: number): number {
    if (this.#forms.size === 0) return before;
    this.#pattern ??= new RegExp([...this.#forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
    let end = before;
    for (const match of text.matchAll(this.#pattern)) {
      if (match.index < end && match.index + match[0].length > end) end = match.index + match[0].length;
    }
    return end;
  }
}

/** Too short to mask on its own: masking "a" would hide every a in the log. */
const MIN_FORM_LENGTH = 3;

export function maskForms(value: string): string[] {
  const trimmed = value.trim();
  if (trimmed === '') return [];
  const values = [trimmed, ...trimmed.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length >= MIN_FORM_LENGTH)];
  const forms = new Set<string>();
  for (const v of values) {
    forms.add(v);
    forms.add(encodeURIComponent(v));
    forms.add(JSON.stringify(v).slice(1, -1));
    for (const form of base64Forms(v)) forms.add(form);
  }
  return [...forms].filter((form) => form.length >= Math.min(MIN_FORM_LENGTH, trimmed.length));
}

/**
 * The base64 text that appears whatever bytes precede the value: for each of the three
 * alignments, the characters that depend only on the value's own bytes.
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset += 1) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const encoded = padded.toString('base64').replace(/=+$/, '');
    // Skip the characters that mix in the padding bytes, and the last one, which mixes in what follows.
    const start = offset === 0 ? 0 : offset === 1 ? 2 : 3;
    const usable = Math.floor((padded.length * 8) / 6);
    const form = encoded.slice(start, usable);
    if (form.length >= 4) forms.push(form);
  }
  return forms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
