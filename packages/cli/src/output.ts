/** Output for people (tables, a progress line on a TTY) and for scripts (stable JSON). */

export type OutputFormat = 'table' | 'json';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Columns padded to their widest cell; the last column is left unpadded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** Shows `label… 3s` on stderr while `work` runs, once it has taken over a second, on a TTY only. */
export async function withProgress<T>(label: string, work: Promise<T>): Promise<T> {
  if (process.stderr.isTTY !== true) return work;
  const started = Date.now();
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  const timer = setInterval(() => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    if (seconds >= 1) process.stderr.write(`\r${frames[frame++ % frames.length]} ${label}… ${seconds}s`);
  }, 100);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    if (Date.now() - started >= 1000) process.stderr.write('\r\x1b[K');
  }
}

export function shortSha(sha: string): string {
  return sha === '' ? '-' : sha.slice(0, 12);
}

/** Colors only on a TTY. */
export function paint(text: string, color: 'green' | 'yellow' | 'red' | 'dim'): string {
  if (process.stdout.isTTY !== true) return text;
  const codes = { green: 32, yellow: 33, red: 31, dim: 2 } as const;
  return `\x1b[${codes[color]}m${text}\x1b[0m`;
}
