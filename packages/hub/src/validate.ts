/** Request parsing at the edge: query strings and JSON bodies through the api package's schemas. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { HubErrors } from './errors.ts';

/** Largest JSON body the API reads. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function parseQuery<S extends z.ZodType>(schema: S, c: Context): z.output<S> {
  const raw: Record<string, string | string[]> = {};
  for (const [key, values] of Object.entries(c.req.queries())) raw[key] = values.length === 1 ? (values[0] ?? '') : values;
  return check(schema, raw, 'query');
}

export async function parseBody<S extends z.ZodType>(schema: S, c: Context): Promise<z.output<S>> {
  const length = Number(c.req.header('content-length') ?? '0');
  if (length > MAX_BODY_BYTES) throw HubErrors.create('HUB_BODY_TOO_LARGE', `request body of ${length} bytes exceeds ${MAX_BODY_BYTES}`);
  const text = await c.req.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw HubErrors.create('HUB_BODY_TOO_LARGE', `request body exceeds ${MAX_BODY_BYTES} bytes`);
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw HubErrors.create('HUB_REQUEST_INVALID', 'the request body is not JSON', { field: 'body' });
    }
  }
  return check(schema, value, 'body');
}

function check<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = [where, ...(issue?.path ?? []).map(String)].join('.');
  const problem = issue?.code === 'unrecognized_keys' ? `unknown field "${issue.keys[0] ?? ''}"` : (issue?.message ?? 'invalid');
  throw HubErrors.create('HUB_REQUEST_INVALID', `${field}: ${problem}`, { field });
}
