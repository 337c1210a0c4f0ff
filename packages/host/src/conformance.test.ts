import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProviderConformance } from '@trueup/testkit/conformance';
import { hostObject, sandbox } from './testing.ts';

runProviderConformance('host File', async () => {
  const box = await sandbox();
  return {
    provider: box.provider,
    objects: {
      initial: hostObject('File', 'motd', { path: '/etc/motd', content: 'hello\n', mode: '0644' }),
      changed: hostObject('File', 'motd', { path: '/etc/motd', content: 'hello again\n', mode: '0600' }),
      other: hostObject('File', 'issue', { path: '/etc/issue', content: 'welcome\n' }),
    },
    tamper: () => writeFile(join(box.root, 'etc/motd'), 'tampered\n'),
    cleanup: () => box.cleanup(),
  };
});

runProviderConformance('host Directory', async () => {
  const box = await sandbox();
  return {
    provider: box.provider,
    objects: {
      initial: hostObject('Directory', 'data', { path: '/var/lib/app', mode: '0755' }),
      changed: hostObject('Directory', 'data', { path: '/var/lib/app', mode: '0700' }),
      other: hostObject('Directory', 'logs', { path: '/var/log/app' }),
    },
    tamper: () => chmod(join(box.root, 'var/lib/app'), 0o777),
    cleanup: () => box.cleanup(),
  };
});
