/** Talking to the running agent of a state dir: its URL from `agent.json`, its token from `api-token`. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApplicationStatus } from '@trueup/api';
import { AGENT_INFO_FILE, API_TOKEN_FILE, AgentErrors, readApiToken } from '@trueup/agent';

/** The agent refused or failed a request; `code` is its error code. */
export class AgentAnswerError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(status: number, code: string | undefined, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export interface AgentClient {
  url: string;
  pid: number | undefined;
  /** POSTs to `/api/v1/applications/NAME/ACTION?query`; throws with the agent's message unless 2xx. */
  post(name: string, action: 'refresh' | 'sync' | 'pause' | 'resume', query: Record<string, string>): Promise<{ status: number; body: ApplicationStatus | { accepted: string } }>;
}

/** The agent listening for `stateDir` (or at `url`), with the token from `tokenFile` (default: the state dir's). */
export async function agentClient(stateDir: string, options: { url?: string; tokenFile?: string } = {}): Promise<AgentClient> {
  let url = options.url;
  let pid: number | undefined;
  if (url === undefined) {
    try {
      const info = JSON.parse(await readFile(join(stateDir, AGENT_INFO_FILE), 'utf8')) as { url: string; pid?: number };
      ({ url, pid } = info);
    } catch {
      throw AgentErrors.create('AGENT_NOT_RUNNING', `no agent is listening for ${stateDir}; start one with "trueup agent --state-dir ${stateDir} …" or pass --agent URL`);
    }
  }
  const tokenFile = options.tokenFile ?? join(stateDir, API_TOKEN_FILE);
  let token: string;
  try {
    token = readApiToken(tokenFile);
  } catch (error) {
    throw AgentErrors.create('AGENT_API_UNAUTHORIZED', `cannot read the agent's API token from ${tokenFile} (${(error as NodeJS.ErrnoException).code ?? String(error)}): run as the agent's user, or pass --token-file`);
  }
  const base = url;
  return {
    url: base,
    pid,
    async post(name, action, query) {
      const search = new URLSearchParams(query).toString();
      const response = await fetch(`${base}/api/v1/applications/${encodeURIComponent(name)}/${action}${search === '' ? '' : `?${search}`}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).catch((error: unknown) => {
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
        throw AgentErrors.create('AGENT_NOT_RUNNING', `no agent answers at ${base} (${cause})${pid === undefined ? '' : `; ${AGENT_INFO_FILE} names pid ${pid}, which may have stopped`}: start one with "trueup agent --state-dir ${stateDir} …"`);
      });
      const body = (await response.json()) as ApplicationStatus | { accepted: string } | { code?: string; message?: string };
      if (!response.ok) {
        const error = body as { code?: string; message?: string };
        throw new AgentAnswerError(response.status, error.code, `agent answered ${response.status}: ${error.message ?? ''}${error.code === undefined ? '' : ` [${error.code}]`}`);
      }
      return { status: response.status, body: body as ApplicationStatus | { accepted: string } };
    },
  };
}
