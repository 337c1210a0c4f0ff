import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkBranch } from '@trueup/gitops';
import { adoptBranchName, adoptTarget } from './adopt-branch.ts';

test('adopt branch name: the object in a name git takes', () => {
  const cases = [
    { args: ['prod', 'web', 'File', 'motd', 'a1b2c3d4e5'], want: 'trueup/adopt/prod-web-file-motd-a1b2c3d4' },
    { args: ['Prod EU', 'web', 'Deployment', 'shop..api.', 'x'], want: 'trueup/adopt/prod-eu-web-deployment-shop.api-x' },
    { args: ['-e', 'a', 'K', '~:^', 'id'], want: 'trueup/adopt/e-a-k-x-id' },
    // A random id in base64url: its - and _ are left out, so the name ends in letters and digits.
    { args: ['prod', 'test', 'File', 'motd', '6yb-Mqtu_Z'], want: 'trueup/adopt/prod-test-file-motd-6ybmqtuz' },
  ];
  for (const { args: [environment = '', application = '', kind = '', name = '', id = ''], want } of cases) {
    const branch = adoptBranchName(environment, application, kind, name, id);
    assert.equal(branch, want);
    assert.doesNotThrow(() => checkBranch(branch));
  }
});

test('adopt target: a new branch when asked, the branch asked for, the tracked one otherwise; direct only on the tracked branch', () => {
  const fresh = (): string => 'trueup/adopt/new';
  const cases = [
    { tracked: 'main', asked: undefined, newBranch: true, want: { branch: 'trueup/adopt/new', direct: false } },
    { tracked: 'main', asked: undefined, newBranch: false, want: { branch: 'main', direct: true } },
    { tracked: 'refs/heads/main', asked: undefined, newBranch: false, want: { branch: 'main', direct: true } },
    { tracked: 'main', asked: 'fix/motd', newBranch: true, want: { branch: 'fix/motd', direct: false } },
    { tracked: 'main', asked: 'main', newBranch: false, want: { branch: 'main', direct: true } },
    { tracked: 'refs/heads/main', asked: 'main', newBranch: false, want: { branch: 'main', direct: true } },
    { tracked: 'main', asked: 'refs/heads/main', newBranch: true, want: { branch: 'main', direct: true } },
  ];
  for (const { tracked, asked, newBranch, want } of cases) assert.deepEqual(adoptTarget(tracked, asked, newBranch, fresh), want, `${tracked} ${asked ?? '-'} ${String(newBranch)}`);
});
