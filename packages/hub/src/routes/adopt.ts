/**
 * `POST …/applications/{name}/adopt`: a hand fix of one object written back into Git instead of
 * healed away. Self-heal of the object is paused, its live state read from the agent, and the
 * drifted fields written into the file and document the object came from, through the hub's one
 * writer per branch, in the ledger with who. On another branch than the tracked one (`branch`, or
 * `newBranch`: a new one started from the tracked one — what `trueup adopt` asks by default), the
 * object stays paused until the tracked branch's applied revision holds the adopted values (the
 * watcher in adopt-watch.ts resumes it). On the tracked branch (the API's default, which the web
 * UI's action uses), the route waits for the agent to apply the commit and resumes. A refusal
 * before the commit resumes what it paused; a failure after it leaves the object paused and says
 * how to go on.
 */
import { AdoptionListSchema, AdoptionQuerySchema, AdoptRequestSchema, AdoptResultSchema, keyId, type AdoptionList, type ApplicationStatus, type AdoptResult, type FileEdit } from '@trueup/api';
import type { Context, Hono } from 'hono';
import { agentCommand, readObject } from '../adopt-agent.ts';
import { adoptBranchName, adoptTarget, compareHint } from '../adopt-branch.ts';
import { adoptEdits } from '../adopt-edits.ts';
import { driftedFields, namedFields, type FieldToAdopt } from '../adopt-plan.ts';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import { writeGitops } from '../gitops-write.ts';
import type { RouteSpec } from '../route-spec.ts';
import { randomId } from '../secrets.ts';
import { parseBody, parseQuery } from '../validate.ts';
import { awaitRevision } from './gitops-wait.ts';

const DEFAULT_TIMEOUT_S = 90;

export const adoptSpecs: RouteSpec[] = [
  {
    method: 'post', path: '/api/v1/environments/{environment}/applications/{name}/adopt', role: 'operator', body: AdoptRequestSchema,
    summary: 'Adopt a hand fix of one object into Git: pause its self-heal, write its drifted live fields into the file and document it came from as one commit. On another branch than the tracked one (`branch`, or `newBranch`: trueup/adopt/…), self-heal stays paused until the tracked branch\'s applied revision holds the values; on the tracked branch (the default), wait until the agent applied it, resume. Refused before any commit when a field cannot be written; left paused, with the reason, when the commit is not applied.',
    responses: { 200: { description: 'adopted', schema: AdoptResultSchema }, 404: { description: 'unknown application or object' } },
  },
  {
    method: 'get', path: '/api/v1/adoptions', role: 'viewer', query: AdoptionQuerySchema,
    summary: 'Adoptions still pending (committed on a branch, self-heal of the object paused until the tracked branch holds them), oldest first, each with its branch and how to compare it; of one environment or application when asked.',
    responses: { 200: { description: 'pending adoptions', schema: AdoptionListSchema } },
  },
];

export function adoptRoutes(app: Hono, deps: HubDeps): void {
  app.post('/api/v1/environments/:environment/applications/:name/adopt', async (c) => c.json(await adopt(c, deps)));
  app.get('/api/v1/adoptions', async (c) => c.json(await pendingAdoptions(c, deps)));
}

async function pendingAdoptions(c: Context, deps: HubDeps): Promise<AdoptionList> {
  const caller = await deps.auth.requireCaller(c);
  const query = parseQuery(AdoptionQuerySchema, c);
  const pending = await deps.store.adoptions.pending({ ...(query.environment === undefined ? {} : { environment: query.environment }), ...(query.application === undefined ? {} : { application: query.application }) });
  const visible = [];
  for (const a of pending) if (await deps.auth.canSee(caller, a.environment, a.application)) visible.push(a);
  return {
    items: visible.map((a) => ({
      id: a.id, environment: a.environment, application: a.application, object: a.object, branch: a.branch, tracked: a.tracked, revision: a.revision, file: a.file,
      fields: a.fields.map((f) => f.path), state: a.state, requestedBy: a.requestedBy, createdAt: new Date(a.createdAt).toISOString(), compare: compareHint(a.tracked.replace(/^refs\/heads\//, ''), a.branch),
    })),
  };
}

async function adopt(c: Context, deps: HubDeps): Promise<AdoptResult> {
  const environment = c.req.param('environment') ?? '';
  const application = c.req.param('name') ?? '';
  const scope = { environment, application };
  const caller = await deps.auth.require(c, 'gitops-write', scope);
  await deps.auth.require(c, 'pause-self-heal', scope);
  const request = await parseBody(AdoptRequestSchema, c);
  const found = await deps.store.applications.get(environment, application);
  if (found === undefined) throw HubErrors.create('HUB_NOT_FOUND', `no application "${application}" in environment "${environment}"`);
  const status = found.status as unknown as ApplicationStatus;
  const resource = findResource(status, request.object);
  if (resource === undefined) throw HubErrors.create('HUB_NOT_FOUND', `no object "${request.object}" in application "${environment}/${application}": nothing paused`);
  const origin = resource.origin;
  if (origin === undefined || status.source.repoURL === '') throw HubErrors.create('HUB_REQUEST_INVALID', `"${request.object}" has no source file in ${status.source.repoURL || 'a repository'} the hub can write (it came from elsewhere): nothing paused`, { field: 'object' });
  if (status.source.chart !== undefined) throw HubErrors.create('HUB_REQUEST_INVALID', `"${request.object}" was rendered by Helm from the chart ${status.source.chart} ${status.source.ref} of the Helm repository ${status.source.repoURL}, not from files of a Git repository: there is no file to write its values into; set them in the Application's values by hand: nothing paused`, { field: 'object' });
  if (deps.gitops === undefined) throw HubErrors.create('HUB_NOT_FOUND', 'this hub writes no Git: it was started without a gitops work folder');
  if (!(await deps.links.reachable(environment))) throw HubErrors.create('HUB_AGENT_OFFLINE', `the agent of "${environment}" is not linked: adoption reads the live object from it`);
  const actor = caller.subject.slice(0, 253);
  const object = keyId(resource);
  const paused = !(status.selfHeal?.objects ?? []).some((o) => o.object === object) && status.selfHeal?.state !== 'paused';
  await agentCommand(deps, environment, application, actor, 'pause', object);
  const resumeThenThrow = async (error: unknown): Promise<never> => {
    if (paused) await agentCommand(deps, environment, application, actor, 'resume', object).catch(() => undefined);
    throw error;
  };

  // Before the commit: any refusal resumes what this call paused.
  let edits: FileEdit[];
  let fields: FieldToAdopt[];
  const id = randomId();
  const target = adoptTarget(status.source.ref, request.branch, request.newBranch === true, () => adoptBranchName(environment, application, resource.kind, resource.name, id));
  try {
    const read = await readObject(deps, environment, application, object);
    if (read.live === null || read.desired === null) throw HubErrors.create('HUB_REQUEST_INVALID', `"${object}" ${read.live === null ? 'does not exist live' : 'is not in Git'}: nothing to adopt`, { field: 'object' });
    fields = request.fields === undefined ? driftedFields(read.live, read.desired) : namedFields(read.live, request.fields);
    if (fields.length === 0) throw HubErrors.create('HUB_REQUEST_INVALID', `"${object}" has not drifted: its live state is what Git says`, { field: 'fields' });
    for (const field of fields) {
      if (field.value === undefined) throw HubErrors.create('HUB_REQUEST_INVALID', `"${object}" has no live field "${field.path}"`, { field: 'fields' });
      if (typeof field.value === 'object' && field.value !== null) throw HubErrors.create('HUB_REQUEST_INVALID', `the live value of "${field.path}" is ${Array.isArray(field.value) ? 'a list' : 'a mapping'}: adopt its fields one by one (--field ${field.path}.…)`, { field: 'fields' });
      if (typeof field.value === 'string' && /<redacted: \d+ bytes>/.test(field.value)) throw HubErrors.create('HUB_REQUEST_INVALID', `"${field.path}" holds a secret value: it is not adopted into Git`, { field: 'fields' });
    }
    edits = adoptEdits(origin, { kind: resource.kind, name: resource.name, id: object }, fields, read.desired);
  } catch (error) {
    return resumeThenThrow(error);
  }

  let written;
  try {
    written = await writeGitops(deps, {
      request: { repoURL: status.source.repoURL, ref: target.branch, edits, source: 'adopt' },
      ...(target.direct ? {} : { base: status.source.ref }),
      actor, environment, details: { application, object, adopted: edits.map((e) => e.key), ...(target.direct ? {} : { adoption: id, tracked: status.source.ref }) },
    });
  } catch (error) {
    return resumeThenThrow(error);
  }
  const base = { object, outcome: written.outcome, revision: written.revision, file: origin.file, changes: written.changes ?? [], branch: target.branch, tracked: status.source.ref };
  if (!target.direct) {
    // On a branch: paused until the tracked branch's applied revision holds the values (at once when
    // it already does: the watcher looks now). A branch that already held them is not written.
    await deps.store.adoptions.create({ id, environment, application, object, repoURL: status.source.repoURL, tracked: status.source.ref, branch: target.branch, revision: written.revision, file: origin.file, fields: fields.map((f) => ({ path: f.path, value: f.value })), requestedBy: actor, createdAt: deps.now() });
    deps.adoptions?.wake();
    return { ...base, resumed: false, pending: true, ...(written.outcome === 'committed' ? { compare: compareHint(status.source.ref, target.branch) } : {}), id };
  }

  // After the commit: the object stays paused until the agent applied it; any failure says so.
  const leftPaused = (why: string): Error => HubErrors.create('HUB_CONFLICT', `${why}; self-heal of "${object}" is left paused: check the commit ${written.revision.slice(0, 12)} and the agent, then run trueup resume ${environment}/${application} --object ${object}`);
  const timeoutMs = (request.timeout ?? DEFAULT_TIMEOUT_S) * 1000;
  const verdict = await awaitRevision(deps, environment, application, written.revision, timeoutMs, c.req.raw.signal);
  if (verdict.state !== 'healthy') throw leftPaused(`the agent did not report ${written.revision.slice(0, 12)} applied and Healthy (${verdict.state}: ${verdict.reason})`);
  const after = await readObject(deps, environment, application, object).catch(() => undefined);
  if (after === undefined || after.sync !== 'Synced') throw leftPaused(`"${object}" is ${after === undefined ? 'not readable' : after.sync} after the commit was applied: Git and the live object still differ`);
  await agentCommand(deps, environment, application, actor, 'resume', object).catch((error: unknown) => {
    throw leftPaused(`the resume was not confirmed (${error instanceof Error ? error.message : String(error)})`);
  });
  return { ...base, resumed: true, pending: false };
}

/** The object by its key, or by KIND/NAME or KIND/NAMESPACE/NAME when that names one object only. */
function findResource(status: ApplicationStatus, name: string): ApplicationStatus['resources'][number] | undefined {
  const exact = status.resources.find((r) => keyId(r) === name);
  if (exact !== undefined) return exact;
  const parts = name.split('/');
  if (parts.length !== 2 && parts.length !== 3) return undefined;
  const [kind, namespaceOrName, maybeName] = parts;
  const matches = status.resources.filter((r) => r.kind === kind && (maybeName === undefined ? r.name === namespaceOrName : (r.namespace ?? '') === namespaceOrName && r.name === maybeName));
  if (matches.length > 1) throw HubErrors.create('HUB_REQUEST_INVALID', `"${name}" names ${matches.length} objects (${matches.map((r) => keyId(r)).join(', ')}): give the full key`, { field: 'object' });
  return matches[0];
}
