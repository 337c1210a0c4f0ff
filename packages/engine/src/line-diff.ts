/** Line diff (Myers, O((N+M)·D)) and unified-diff formatting, as `diff -u` prints it. */

export type Edit = { op: 'equal' | 'delete' | 'insert'; line: string };

export function diffLines(before: readonly string[], after: readonly string[]): Edit[] {
  const n = before.length;
  const m = after.length;
  const max = n + m;
  const offset = max + 1;
  const frontier = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(frontier.slice());
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && frontier[offset + k - 1]! < frontier[offset + k + 1]!);
      let x = down ? frontier[offset + k + 1]! : frontier[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && before[x] === after[y]) {
        x++;
        y++;
      }
      frontier[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, before, after, offset, d);
    }
  }
  return [];
}

function backtrack(trace: Int32Array[], before: readonly string[], after: readonly string[], offset: number, last: number): Edit[] {
  const edits: Edit[] = [];
  let x = before.length;
  let y = after.length;
  for (let d = last; d > 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!);
    const prevK = down ? k + 1 : k - 1;
    const prevX = v[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      edits.push({ op: 'equal', line: before[--x]! });
      y--;
    }
    if (down) edits.push({ op: 'insert', line: after[--y]! });
    else edits.push({ op: 'delete', line: before[--x]! });
  }
  while (x > 0 && y > 0) {
    edits.push({ op: 'equal', line: before[--x]! });
    y--;
  }
  return edits.reverse();
}

/** A unified diff with `context` lines around each change; empty when the texts are equal. */
export function unifiedDiff(before: string, after: string, labels: { from: string; to: string }, context = 3): string {
  if (before === after) return '';
  const edits = diffLines(splitLines(before), splitLines(after));
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  let i = 0;
  while (i < edits.length) {
    while (i < edits.length && edits[i]!.op === 'equal') i++;
    if (i >= edits.length) break;
    let end = i;
    let lastChange = i;
    while (end < edits.length && end - lastChange <= 2 * context) {
      if (edits[end]!.op !== 'equal') lastChange = end;
      end++;
    }
    const start = Math.max(0, i - context);
    const stop = Math.min(edits.length, lastChange + context + 1);
    out.push(hunkHeader(edits, start, stop), ...edits.slice(start, stop).map(formatEdit));
    i = stop;
  }
  return `${out.join('\n')}\n`;
}

function hunkHeader(edits: Edit[], start: number, stop: number): string {
  let fromLine = 1;
  let toLine = 1;
  for (const edit of edits.slice(0, start)) {
    if (edit.op !== 'insert') fromLine++;
    if (edit.op !== 'delete') toLine++;
  }
  const hunk = edits.slice(start, stop);
  const fromCount = hunk.filter((e) => e.op !== 'insert').length;
  const toCount = hunk.filter((e) => e.op !== 'delete').length;
  return `@@ -${fromCount === 0 ? fromLine - 1 : fromLine},${fromCount} +${toCount === 0 ? toLine - 1 : toLine},${toCount} @@`;
}

function formatEdit(edit: Edit): string {
  return `${edit.op === 'equal' ? ' ' : edit.op === 'delete' ? '-' : '+'}${edit.line}`;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
