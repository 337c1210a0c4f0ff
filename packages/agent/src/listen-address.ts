/**
 * `--listen HOST:PORT`, parsed once: an empty host means loopback, IPv6 goes in brackets
 * (`[::1]:7171`), and an address that is not loopback is refused unless the caller allows it.
 */
import { BlockList, isIP } from 'node:net';
import { AgentErrors } from './errors.ts';

export interface ListenAddress {
  host: string;
  port: number;
  /** Only this machine can connect. */
  loopback: boolean;
}

const DEFAULT_HOST = '127.0.0.1';

export function parseListenAddress(text: string, options: { allowNonLoopback?: boolean } = {}): ListenAddress {
  const invalid = (why: string) => AgentErrors.create('AGENT_LISTEN_INVALID', `--listen "${text}": ${why}`);
  let host: string;
  let port: string;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed !== null) {
    host = bracketed[1] ?? '';
    port = bracketed[2] ?? '';
    if (isIP(host) !== 6) throw invalid('brackets hold an IPv6 address, such as [::1]:7171');
  } else if ((text.match(/:/g) ?? []).length > 1) {
    throw invalid('put an IPv6 address in brackets, such as [::1]:7171');
  } else if (text.includes(':')) {
    [host = '', port = ''] = text.split(':');
  } else if (/^\d*$/.test(text)) {
    [host, port] = ['', text];
  } else {
    [host, port] = [text, ''];
  }
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw invalid(`the port must be a number from 0 to 65535${port === '' ? ', such as 127.0.0.1:7171' : `, not "${port}"`}`);
  if (host === '') host = DEFAULT_HOST;
  const loopback = isLoopbackHost(host);
  if (!loopback && options.allowNonLoopback !== true) {
    throw invalid(`${host} is not a loopback address, so other machines could reach the agent's API; listen on 127.0.0.1 or [::1], or pass --listen-non-loopback to mean it`);
  }
  return { host, port: Number(port), loopback };
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** `localhost`, 127.0.0.0/8, `::1` (and 127.x mapped into IPv6). */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const family = isIP(name);
  return family !== 0 && LOOPBACK.check(name, family === 4 ? 'ipv4' : 'ipv6');
}
