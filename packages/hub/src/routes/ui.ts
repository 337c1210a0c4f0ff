/**
 * The web UI at `/`: the files `npm install` built into packages/web/dist, precompressed (brotli or gzip, as the browser accepts),
 * hashed assets cached for a year, and every other non-API path answered with index.html so
 * deep links work. Without a built UI, `/` says how to build it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';

export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

export function uiRoutes(app: Hono, dir: string = DEFAULT_UI_DIR): void {
  if (!existsSync(`${dir}/index.html`)) {
    app.get('*', async (c, next) => {
      if (isApiPath(new URL(c.req.url).pathname)) return next();
      return c.text('The web UI is not built: run `npm install` (or `npm run build -w @trueup/web`) and restart the hub.\n', 503);
    });
    return;
  }
  app.use('/assets/*', async (c, next) => {
    await next();
    if (c.res.status === 200) c.header('cache-control', 'public, max-age=31536000, immutable');
  });
  app.use('/assets/*', serveStatic({ root: dir, precompressed: true }));
  const page = serveStatic({ root: dir, path: 'index.html', precompressed: true });
  app.get('*', async (c, next) => {
    if (isApiPath(new URL(c.req.url).pathname)) return next();
    c.header('cache-control', 'no-cache');
    c.header('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:");
    return page(c, next);
  });
}

function isApiPath(path: string): boolean {
  return path.startsWith('/api/') || path.startsWith('/assets/') || /^\/(healthz|readyz|metrics)$/.test(path);
}
