/**
 * One object of an application, read from its agent on demand (the hub keeps only diffs): the
 * live and desired manifests, their diff, health and sync; for Kubernetes, the objects it owns.
 * A read changes nothing at the agent and carries no manifest or credential to it (ADR 19).
 */
import { ReadQuerySchema, ResourceChildrenSchema, ResourceDetailSchema, type ReadResult } from '@trueup/api';
import type { Context, Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { RouteSpec } from '../route-spec.ts';
import { randomId } from '../secrets.ts';
import { parseQuery } from '../validate.ts';

const RESOURCE = '/api/v1/environments/{environment}/applications/{name}/resources/{key}';
/** How long a read waits for the agent by default, in seconds. */
const DEFAULT_READ_TIMEOUT_S = 15;

export const resourceSpecs: RouteSpec[] = [
  {
    method: 'get', path: RESOURCE, role: 'viewer', query: ReadQuerySchema,
    summary: 'One object of the application, read from its agent now: live and desired manifests (secret values redacted), their diff, health and sync. `key` is the object\'s key id (apiVersion/kind/namespace/name), percent-encoded as one path segment.',
    responses: { 200: { description: 'the object', schema: ResourceDetailSchema }, 404: { description: 'unknown application or object' }, 503: { description: 'the agent is offline (since when, in the message)' }, 504: { description: 'the agent did not answer in time' } },
  },
  {
    method: 'get', path: `${RESOURCE}/children`, role: 'viewer', query: ReadQuerySchema,
    summary: 'The objects the cluster says this object owns (ownerReferences), one level: for expanding a tree lazily (Deployment → ReplicaSet → Pod).',
    responses: { 200: { description: 'the children', schema: ResourceChildrenSchema }, 404: { description: 'unknown application or object' }, 503: { description: 'the agent is offline' }, 504: { description: 'the agent did not answer in time' } },
  },
];

export function resourceRoutes(app: Hono, deps: HubDeps): void {
  app.get('/api/v1/environments/:environment/applications/:name/resources/:key/children', (c) => read(c, deps, 'children'));
  app.get('/api/v1/environments/:environment/applications/:name/resources/:key', (c) => read(c, deps, 'object'));
}

async function read(c: Context, { store, auth, links }: HubDeps, what: 'object' | 'children'): Promise<Response> {
  const environment = c.req.param('environment') ?? '';
  const application = c.req.param('name') ?? '';
  await auth.require(c, 'get', { environment, application });
  const key = c.req.param('key') ?? '';
  const { timeout } = parseQuery(ReadQuerySchema, c);
  if (key === '' || key.length > 1024) throw HubErrors.create('HUB_REQUEST_INVALID', 'path.key: expected an object key (apiVersion/kind/namespace/name), percent-encoded', { field: 'path.key' });
  if ((await store.applications.get(environment, application)) === undefined) throw HubErrors.create('HUB_NOT_FOUND', `no application "${application}" in environment "${environment}"`);
  if (!(await links.reachable(environment))) {
    const record = await store.environments.get(environment);
    const since = record?.lastSeenAt === undefined ? undefined : new Date(record.lastSeenAt).toISOString();
    throw HubErrors.create('HUB_AGENT_OFFLINE', `agent offline since ${since ?? 'it joined'}: objects are read from the agent`);
  }
  const seconds = timeout ?? DEFAULT_READ_TIMEOUT_S;
  const result = await links.read(environment, { id: randomId(), application, object: key, what }, seconds * 1000);
  if (result === undefined) throw HubErrors.create('HUB_AGENT_TIMEOUT', `the agent of "${environment}" did not answer the read within ${seconds} s`);
  return c.json(answer(result));
}

function answer(result: ReadResult): unknown {
  switch (result.what) {
    case 'error':
      if (result.code === 'AGENT_OBJECT_UNKNOWN' || result.code === 'AGENT_APPLICATION_UNKNOWN') throw HubErrors.create('HUB_NOT_FOUND', result.message);
      throw HubErrors.create('HUB_AGENT_FAILED', `${result.code}: ${result.message}`);
    case 'object': {
      const { what: _what, ...detail } = result;
      return detail;
    }
    case 'children': {
      const { what: _what, ...children } = result;
      return children;
    }
  }
}
