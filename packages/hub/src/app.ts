/**
 * The hub's HTTP API, built by a function from its dependencies; tested in-process with
 * `app.request()`. Errors leave as `{code, message, details}` with the registry's HTTP status.
 */
import { isTrueupError } from '@trueup/api';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { HubDeps } from './deps.ts';
import { HubErrors } from './errors.ts';
import type { RouteSpec } from './route-spec.ts';
import { getCookie } from 'hono/cookie';
import { REQUEST_HEADER, SESSION_COOKIE } from './auth.ts';
import { compression } from './compression.ts';
import { accessRoutes, accessSpecs } from './routes/access.ts';
import { oidcRoutes, oidcSpecs } from './routes/oidc.ts';
import { projectRoutes, projectSpecs } from './routes/projects.ts';
import { userRoutes, userSpecs } from './routes/users.ts';
import { applicationCountRoutes, applicationCountSpecs } from './routes/application-counts.ts';
import { MAX_BODY_BYTES } from './validate.ts';
import { applicationRoutes, applicationSpecs } from './routes/applications.ts';
import { ARTIFACT_UPLOAD_PATH, artifactRoutes, artifactSpecs } from './routes/artifacts.ts';
import { environmentRoutes, environmentSpecs } from './routes/environments.ts';
import { eventRoutes, eventSpecs } from './routes/events.ts';
import { adoptRoutes, adoptSpecs } from './routes/adopt.ts';
import { gitopsSetRoutes, gitopsSetSpecs } from './routes/gitops-set.ts';
import { gitopsWaitRoutes, gitopsWaitSpecs } from './routes/gitops-wait.ts';
import { healthRoutes, healthSpecs } from './routes/health.ts';
import { deploymentRoutes, deploymentSpecs } from './routes/deployments.ts';
import { jobStepRoutes, jobStepSpecs } from './routes/job-steps.ts';
import { joinRoutes, joinSpecs } from './routes/join.ts';
import { openApiRoutes } from './routes/openapi.ts';
import { pipelineSecretRoutes, pipelineSecretSpecs } from './routes/pipeline-secrets.ts';
import { releaseRoutes, releaseSpecs } from './routes/releases.ts';
import { runRoutes, runSpecs } from './routes/runs.ts';
import { runStreamRoutes, runStreamSpecs } from './routes/run-stream.ts';
import { streamRoutes, streamSpecs } from './routes/stream.ts';
import { uiRoutes } from './routes/ui.ts';
import { webhookRoutes, webhookSpecs } from './routes/webhooks.ts';

export const ROUTE_SPECS: readonly RouteSpec[] = [...healthSpecs, ...joinSpecs, ...environmentSpecs, ...applicationCountSpecs, ...applicationSpecs, ...eventSpecs, ...streamSpecs, ...webhookSpecs, ...runSpecs, ...runStreamSpecs, ...artifactSpecs, ...jobStepSpecs, ...deploymentSpecs, ...pipelineSecretSpecs, ...gitopsWaitSpecs, ...gitopsSetSpecs, ...adoptSpecs, ...accessSpecs, ...oidcSpecs, ...userSpecs, ...projectSpecs, ...releaseSpecs];

export function createHubApp(deps: HubDeps, options: { log?: (message: string) => void; uiDir?: string } = {}): Hono {
  const app = new Hono();
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    deps.metrics.httpDuration.observe({ method: c.req.method, route: c.req.routePath, status: String(c.res.status) }, (performance.now() - started) / 1000);
  });
  app.use(compression());
  // Bodies are cut off while they stream in, chunked or not: nothing past the limit is buffered.
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw HubErrors.create('HUB_BODY_TOO_LARGE', `request body exceeds ${MAX_BODY_BYTES} bytes`); } });
  // An artifact upload streams to the store under its own, larger limit (routes/artifacts.ts).
  app.use('/api/*', async (c, next) => {
    if (c.req.method === 'POST' && ARTIFACT_UPLOAD_PATH.test(c.req.path)) return next();
    return limit(c as Parameters<typeof limit>[0], next);
  });
  // CSRF: a mutating request that only a session cookie authenticates must carry a header that
  // a cross-site form or a simple request cannot set. Bearer-token calls are not cookies' prey.
  app.use('/api/*', async (c, next) => {
    const mutating = !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method);
    if (mutating && c.req.path !== '/api/v1/login' && c.req.header('authorization') === undefined && getCookie(c as Context, SESSION_COOKIE) !== undefined && c.req.header(REQUEST_HEADER) !== '1') {
      throw HubErrors.create('HUB_REQUEST_HEADER_MISSING');
    }
    await next();
  });
  healthRoutes(app, deps);
  joinRoutes(app, deps);
  environmentRoutes(app, deps);
  applicationCountRoutes(app, deps);
  applicationRoutes(app, deps);
  eventRoutes(app, deps);
  streamRoutes(app, deps);
  webhookRoutes(app, deps);
  runRoutes(app, deps);
  runStreamRoutes(app, deps);
  artifactRoutes(app, deps);
  jobStepRoutes(app, deps);
  deploymentRoutes(app, deps);
  pipelineSecretRoutes(app, deps);
  gitopsWaitRoutes(app, deps);
  gitopsSetRoutes(app, deps);
  adoptRoutes(app, deps);
  accessRoutes(app, deps);
  oidcRoutes(app, deps);
  userRoutes(app, deps);
  projectRoutes(app, deps);
  releaseRoutes(app, deps);
  openApiRoutes(app, ROUTE_SPECS);
  uiRoutes(app, options.uiDir);
  app.notFound((c) => c.json({ code: 'HUB_NOT_FOUND', message: `no route ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));
  app.onError((error, c) => {
    if (isTrueupError(error)) {
      const { code, message, retryable, ...details } = error.toJSON();
      void message;
      return c.json({ code, message: error.message, details: { retryable, ...details } }, error.httpStatus as ContentfulStatusCode);
    }
    options.log?.(`internal error on ${c.req.method} ${c.req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    const internal = HubErrors.create('HUB_INTERNAL');
    return c.json({ code: internal.code, message: internal.message }, 500);
  });
  return app;
}
