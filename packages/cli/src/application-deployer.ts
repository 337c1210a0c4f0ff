/**
 * The agent's one-shot pass for `uses: trueup/deploy` with `application:` on a runner: the same
 * render, diff, waves, prune rules and health wait as `trueup sync`. A Kubernetes destination
 * gets its credentials only from the environment's kubeconfig secret, never from a path the
 * repository names.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runOnce } from '@trueup/agent';
import { describeStatusError, parseYamlDocuments, stringifyYaml } from '@trueup/api';
import type { ApplicationDeployer } from '@trueup/runner';

export const agentApplicationDeployer: ApplicationDeployer = {
  async deploy(appFile, { kubeconfig, stateDir, waitHealthyMs, log }) {
    const documents = parseYamlDocuments(await readFile(appFile, 'utf8'), appFile);
    const [document] = documents;
    if (document === undefined || documents.length !== 1) throw new Error(`trueup/deploy: ${appFile} must hold exactly one Application`);
    const application = document.value as { spec?: { destination?: { kubernetes?: Record<string, unknown> } } };
    const kubernetes = application.spec?.destination?.kubernetes;
    let path = appFile;
    if (kubernetes !== undefined && kubernetes !== null) {
      if (kubeconfig === undefined) throw new Error('trueup/deploy: the Application deploys to Kubernetes: its credentials come from the environment\'s kubeconfig secret (KUBECONFIG, or kubeconfig-secret), which this job does not have');
      kubernetes.kubeconfig = kubeconfig;
      // Next to the original, so its relative paths (credentials of the source) still resolve.
      path = join(dirname(appFile), `.trueup-deploy-${randomBytes(6).toString('hex')}.yaml`);
      await writeFile(path, stringifyYaml(application), { mode: 0o600 });
    } else if (kubeconfig !== undefined) {
      log('[trueup] the Application has no Kubernetes destination: the kubeconfig secret is not used');
    }
    try {
      const [status] = await runOnce({ stateDir, paths: [path], mode: 'apply', waitHealthyMs });
      if (status === undefined) throw new Error(`trueup/deploy: ${appFile} holds no Application`);
      const unhealthy = status.resources.filter((r) => r.health.status !== 'Healthy').map((r) => `${r.kind}/${r.name}: ${r.health.status}${r.health.message === undefined ? '' : ` ${r.health.message}`}`);
      const error = status.error !== undefined ? `${describeStatusError(status.error)} [${status.error.code}]`
        : status.sync !== 'Synced' || status.health.status !== 'Healthy' ? `ended ${status.sync}/${status.health.status}${unhealthy.length === 0 ? '' : `: ${unhealthy.join('; ')}`}` : undefined;
      return { name: status.name, revision: status.revision, sync: status.sync, health: status.health.status, error, status };
    } finally {
      if (path !== appFile) await rm(path, { force: true });
    }
  },
};
