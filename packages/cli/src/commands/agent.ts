/** `trueup agent`: keeps environments converged to Git until SIGTERM. */
import { parseListenAddress, startAgent } from '@trueup/agent';
import { stateDirOf, stateDirOption, type Command } from '../command.ts';
import { logEvent } from '../event-log.ts';
import { logLinkState } from '../link-log.ts';

export const agentCommand: Command = {
  name: 'agent',
  usage: 'trueup agent [--state-dir D] [--listen 127.0.0.1:P | [::1]:P] [--listen-non-loopback] [--join TOKEN_FILE] [--namespaces NS,…] APPLICATION.yaml|DIR…',
  summary: 'Run the pull agent for the Application files or folders given, until SIGTERM.',
  options: { ...stateDirOption, listen: { type: 'string', default: '127.0.0.1:7171' }, 'listen-non-loopback': { type: 'boolean' }, 'log-format': { type: 'string' }, join: { type: 'string' }, namespaces: { type: 'string' } },
  async run({ values, positionals }) {
    const listenNonLoopback = values['listen-non-loopback'] === true;
    parseListenAddress(String(values.listen), { allowNonLoopback: listenNonLoopback }); // a bad address fails before anything starts
    if (positionals.length === 0) throw new Error('give at least one Application file or folder');
    const human = values['log-format'] === undefined ? process.stderr.isTTY === true : values['log-format'] === 'text';
    // --namespaces: the agent may read only these (installed with --scope namespace); its watches list them, not the cluster.
    const namespaces = typeof values.namespaces === 'string' ? values.namespaces.split(',').map((name) => name.trim()).filter((name) => name !== '') : undefined;
    const agent = await startAgent({
      ...(namespaces === undefined ? {} : { watchNamespaces: namespaces }),
      stateDir: stateDirOf(values),
      paths: positionals,
      listen: String(values.listen),
      listenNonLoopback,
      onEvent: (event) => logEvent(event, human),
      // Joins a hub once with --join; afterwards the credential in the state dir links it.
      hub: { joinTokenFile: typeof values.join === 'string' ? values.join : undefined, onState: (state) => logLinkState(state) },
    });
    process.stderr.write(`trueup agent: ${agent.applicationNames().length} application(s), listening on ${agent.url ?? '(no listener)'}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await agent.stop();
    return 0;
  },
};
