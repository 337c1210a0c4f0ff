// npm run testenv -- up DIR | down DIR | status DIR: a Kubernetes test environment (packages/testkit).
import { kubeTestEnvCli } from '../packages/testkit/src/kube-testenv-cli.ts';

process.exitCode = await kubeTestEnvCli(process.argv.slice(2));
