/**
 * The link through an HTTP/1.1 forward proxy (CONNECT): the TLS session to the hub runs inside
 * the tunnel, so the proxy sees only the hub's host and port. The proxy comes from the options
 * or from HTTPS_PROXY / https_proxy, unless NO_PROXY names the hub's host.
 */
import type { Agent } from 'node:http';
import { HttpsProxyAgent } from 'https-proxy-agent';

export function proxyFromEnvironment(target: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const proxy = env.HTTPS_PROXY ?? env.https_proxy;
  if (proxy === undefined || proxy === '') return undefined;
  const host = new URL(target).hostname.replace(/^\[|\]$/g, '');
  const skip = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((entry) => entry.trim().replace(/^\*?\./, '')).filter((entry) => entry !== '');
  if (skip.some((entry) => entry === '*' || host === entry || host.endsWith(`.${entry}`))) return undefined;
  return proxy;
}

/** An agent tunnelling HTTPS and WSS requests through `proxy`. */
export function proxyAgent(proxy: string): Agent {
  return new HttpsProxyAgent(proxy);
}
