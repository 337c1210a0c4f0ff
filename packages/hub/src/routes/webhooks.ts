/** `POST /api/v1/webhooks/git`: a push from a forge (or anything, with the bearer secret) refreshes the applications that follow it. */
import { PlainPushSchema, repoKey, WebhookResultSchema } from '@trueup/api';
import { onlyTrueupCommits } from '@trueup/gitops';
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import { refreshFollowers } from '../fan-out.ts';
import type { RouteSpec } from '../route-spec.ts';
import { MAX_BODY_BYTES } from '../validate.ts';
import { parseWebhook } from '../webhook-parse.ts';

export const webhookSpecs: RouteSpec[] = [
  {
    method: 'post', path: '/api/v1/webhooks/git', role: 'public',
    summary: 'A Git push: GitHub (X-Hub-Signature-256), Gitea/Forgejo (X-Gitea-Signature), GitLab (X-Gitlab-Token), or a plain body with the webhook secret as bearer token. Refreshes every application following that repository and ref.',
    body: PlainPushSchema,
    responses: { 202: { description: 'the applications told to refresh', schema: WebhookResultSchema }, 401: { description: 'bad signature or token' }, 409: { description: 'a delivery id seen before' } },
  },
];

export function webhookRoutes(app: Hono, deps: HubDeps): void {
  app.post('/api/v1/webhooks/git', async (c) => {
    const body = await c.req.text();
    if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw HubErrors.create('HUB_BODY_TOO_LARGE', `webhook body exceeds ${MAX_BODY_BYTES} bytes`);
    const parsed = parseWebhook((name) => c.req.header(name), body, deps.webhookSecret);
    if (parsed.kind === 'ignored') return c.json({ source: parsed.source, refreshed: [], ignored: `event ${parsed.event}` }, 202);
    const { push } = parsed;
    if (push.delivery !== undefined && !(await deps.store.webhooks.claim(push.delivery, deps.now()))) {
      throw HubErrors.create('HUB_WEBHOOK_REPLAYED', `delivery ${push.delivery} was received before: ignored`);
    }
    // The forge's echo of the hub's own commit: every commit is Trueup's and the hub already told the followers.
    if (push.after !== undefined && push.messages !== undefined && onlyTrueupCommits(push.messages) && deps.gitops?.announced(push.after) === true) {
      return c.json({ source: push.source, refreshed: [], ignored: `only Trueup commits, up to ${push.after.slice(0, 12)}, which the hub wrote and already announced` }, 202);
    }
    const refreshed = await refreshFollowers(deps, { ...push, revision: push.after }, `webhook:${push.source}`);
    // Tracked repositories' workflows: scanned now rather than at the next poll.
    for (const key of new Set(push.repoURLs.map(repoKey))) void deps.triggers?.scan(key);
    return c.json({ source: push.source, refreshed }, 202);
  });
}
