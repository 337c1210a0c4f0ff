/** `GET /api/v1/openapi.json`: generated from the same schemas that validate requests. */
import { ErrorBodySchema } from '@trueup/api';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { RouteSpec } from '../route-spec.ts';

export function openApiDocument(specs: readonly RouteSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schema = (s: z.ZodType): unknown => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  for (const spec of specs) {
    const parameters = [
      ...[...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(spec.query?.shape ?? {}).map(([name, field]) => ({ name, in: 'query', required: !(field as z.ZodType).safeParse(undefined).success, schema: schema(field as z.ZodType) })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema === undefined && response.contentType === undefined ? {} : { content: { [response.contentType ?? 'application/json']: { schema: response.schema === undefined ? { type: 'string' } : schema(response.schema) } } }),
      };
    }
    responses.default = { description: 'an error', content: { 'application/json': { schema: schema(ErrorBodySchema) } } };
    (paths[spec.path] ??= {})[spec.method] = {
      summary: spec.summary,
      'x-trueup-role': spec.role,
      ...(spec.role === 'public' ? { security: [] } : {}),
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(spec.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: schema(spec.body) } } } }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Trueup hub API', version: 'v1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}

export function openApiRoutes(app: Hono, specs: readonly RouteSpec[]): void {
  const document = openApiDocument([...specs, { method: 'get', path: '/api/v1/openapi.json', summary: 'This document.', role: 'public', responses: { 200: { description: 'OpenAPI 3.1' } } }]);
  app.get('/api/v1/openapi.json', (c) => c.json(document));
}
