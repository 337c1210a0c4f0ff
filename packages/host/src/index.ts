/** @trueup/host: the host provider (files, directories, symlinks, commands, supervised services). */
export { createHostProvider, type HostProviderOptions } from './host-provider.ts';
export { HostErrors, type HostErrorCode } from './errors.ts';
export type { ServicePhase, ServiceRecord } from './supervised-service.ts';
export { markedProcesses, type Marked, type MarkedKind } from './process-marker.ts';
