/** The Kubernetes provider passes the provider conformance suite against the real API server. */
import { test } from 'node:test';
import type { Manifest } from '@trueup/api';
import { runProviderConformance } from '@trueup/testkit/conformance';
import { desired, foreignPatch, providerFor, scratchNamespace, sharedKubeEnv } from './testing.ts';

const env = await sharedKubeEnv();

function service(namespace: string, name: string, port: number): Manifest {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ name: 'http', port, targetPort: 8080 }] } };
}

if (env === undefined) {
  test('Kubernetes provider conformance', (t) => t.skip('the Kubernetes test tools are not built (run bash tools/kube-testenv/build.sh)'));
} else {
  runProviderConformance('kubernetes', async () => {
    const namespace = await scratchNamespace(env, 'conformance');
    const application = 'conformance';
    return {
      provider: providerFor(env, application, namespace.name),
      objects: {
        initial: desired(service(namespace.name, 'web', 80), application),
        changed: desired(service(namespace.name, 'web', 81), application),
        other: desired(service(namespace.name, 'api', 90), application),
      },
      tamper: (key) => foreignPatch(env, `/api/v1/namespaces/${key.namespace ?? ''}/services/${key.name}`, { spec: { ports: [{ name: 'http', port: 8081, targetPort: 8080 }] } }),
      cleanup: namespace.remove,
    };
  }, { driftTimeoutMs: 5000, quietMs: 1000 });
}
