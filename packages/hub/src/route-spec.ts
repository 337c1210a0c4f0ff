/** Each route's contract (method, path, schemas, role): read by the OpenAPI document. */
import type { z } from 'zod';
import type { Role } from './auth.ts';

export interface RouteSpec {
  method: 'get' | 'post';
  /** OpenAPI path, `{name}` for parameters. */
  path: string;
  summary: string;
  /** Role needed; `public` for none. */
  role: Role | 'public';
  query?: z.ZodObject;
  body?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}
