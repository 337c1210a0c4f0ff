import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { parseListenAddress } from './listen-address.ts';

const cases: { name: string; text: string; allowNonLoopback?: boolean; want?: { host: string; port: number; loopback: boolean }; error?: RegExp }[] = [
  { name: 'IPv4 loopback', text: '127.0.0.1:7171', want: { host: '127.0.0.1', port: 7171, loopback: true } },
  { name: 'an empty host is loopback', text: ':7181', want: { host: '127.0.0.1', port: 7181, loopback: true } },
  { name: 'a port alone is loopback', text: '0', want: { host: '127.0.0.1', port: 0, loopback: true } },
  { name: 'localhost', text: 'localhost:7171', want: { host: 'localhost', port: 7171, loopback: true } },
  { name: 'bracketed IPv6 loopback', text: '[::1]:7182', want: { host: '::1', port: 7182, loopback: true } },
  { name: 'every interface is refused', text: '0.0.0.0:7180', error: /0\.0\.0\.0 is not a loopback address.*--listen-non-loopback/ },
  { name: 'every IPv6 interface is refused', text: '[::]:7182', error: /:: is not a loopback address/ },
  { name: 'a LAN address is refused', text: '192.168.1.5:7171', error: /not a loopback address/ },
  { name: 'a host name is refused', text: 'example.internal:7171', error: /not a loopback address/ },
  { name: 'every interface when asked for', text: '0.0.0.0:7180', allowNonLoopback: true, want: { host: '0.0.0.0', port: 7180, loopback: false } },
  { name: 'bracketed IPv6 any when asked for', text: '[::]:7182', allowNonLoopback: true, want: { host: '::', port: 7182, loopback: false } },
  { name: 'a port that is not a number', text: '127.0.0.1:17185x', error: /the port must be a number from 0 to 65535, not "17185x"/ },
  { name: 'a port too large', text: '127.0.0.1:65536', error: /not "65536"/ },
  { name: 'no port', text: '127.0.0.1', error: /the port must be a number/ },
  { name: 'no port after a colon', text: '127.0.0.1:', error: /the port must be a number/ },
  { name: 'IPv6 without brackets', text: '::1:7171', error: /brackets/ },
  { name: 'brackets around something else', text: '[localhost]:7171', error: /brackets hold an IPv6 address/ },
];

for (const c of cases) {
  test(`--listen ${c.text}: ${c.name}`, () => {
    const parse = () => parseListenAddress(c.text, { allowNonLoopback: c.allowNonLoopback === true });
    if (c.want !== undefined) assert.deepEqual(parse(), c.want);
    else assert.throws(parse, (error) => isTrueupError(error) && error.code === 'AGENT_LISTEN_INVALID' && (c.error ?? /./).test(error.message));
  });
}
