/** Reads Server-Sent Events from a response body, one message per call: for tests of the hub's streams. */

export interface SseMessage { event: string; id?: string; data: unknown }

/** `next()` reads the next message; `close()` cancels the body, which ends the stream at the hub. */
export function sseReader(body: ReadableStream<Uint8Array>): { next: () => Promise<SseMessage>; close: () => Promise<void> } {
  const chunks = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const close = async (): Promise<void> => chunks.cancel();
  return { next, close };
  async function next(): Promise<SseMessage> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n').filter((line) => !line.startsWith(':'));
        const fields = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trimStart()]));
        if (fields.data === undefined) continue;
        return { event: fields.event ?? 'message', ...(fields.id === undefined ? {} : { id: fields.id }), data: JSON.parse(fields.data) };
      }
      const { value, done } = await chunks.read();
      if (done) throw new Error('stream ended');
      buffer += value;
    }
  }
}
