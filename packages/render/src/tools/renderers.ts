/**
 * The renderers Trueup runs (and `sops`, which decrypts before they run), each pinned to one version built from its Go module: the versions
 * `trueup tools install` builds (and tools/kube-testenv/build.sh, for kustomize and helm) into a
 * folder Trueup owns. A binary is found, in order: the Application's option, the renderer's
 * variable (`TRUEUP_KUSTOMIZE`…), that folder, the name on PATH. The agent needs no PATH change.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type ToolName = 'kustomize' | 'helm' | 'jsonnet' | 'sops';

export interface Renderer {
  name: ToolName;
  /** The Go package `go install` builds. */
  module: string;
  version: string;
  /** Linker flags that stamp the version into the binary, as the projects' own builds do. */
  ldflags: string;
  /** The variable that names the binary. */
  env: string;
  /** Arguments that make the binary print its version. */
  versionArgs: readonly string[];
}

const KUSTOMIZE_VERSION = 'v5.8.2';
const HELM_VERSION = 'v3.22.0';
const JSONNET_VERSION = 'v0.22.0';
const SOPS_VERSION = 'v3.13.3';

export const RENDERERS: Readonly<Record<ToolName, Renderer>> = {
  kustomize: {
    name: 'kustomize', module: 'sigs.k8s.io/kustomize/kustomize/v5', version: KUSTOMIZE_VERSION,
    ldflags: `-X sigs.k8s.io/kustomize/api/provenance.version=${KUSTOMIZE_VERSION}`, env: 'TRUEUP_KUSTOMIZE', versionArgs: ['version'],
  },
  helm: {
    name: 'helm', module: 'helm.sh/helm/v3/cmd/helm', version: HELM_VERSION,
    ldflags: `-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`, env: 'TRUEUP_HELM', versionArgs: ['version', '--short'],
  },
  jsonnet: {
    name: 'jsonnet', module: 'github.com/google/go-jsonnet/cmd/jsonnet', version: JSONNET_VERSION,
    ldflags: '', env: 'TRUEUP_JSONNET', versionArgs: ['--version'],
  },
  sops: {
    name: 'sops', module: 'github.com/getsops/sops/v3/cmd/sops', version: SOPS_VERSION,
    ldflags: '', env: 'TRUEUP_SOPS', versionArgs: ['--version'],
  },
};

export const TOOL_NAMES: readonly ToolName[] = ['kustomize', 'helm', 'jsonnet', 'sops'];

/** The folder Trueup installs renderers into: `$TRUEUP_TOOLS_DIR`, else `$XDG_DATA_HOME/trueup/tools`, else `~/.local/share/trueup/tools`. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env['TRUEUP_TOOLS_DIR'];
  if (own !== undefined && own !== '') return own;
  const data = env['XDG_DATA_HOME'];
  return join(data !== undefined && data !== '' ? data : join(homedir(), '.local', 'share'), 'trueup', 'tools');
}

/** Where `trueup tools install` puts the pinned version of `tool`: one folder per version. */
export function installedPath(tool: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  return join(installedBinDir(tool, env), tool);
}

/** The `GOBIN` of a tool's pinned version. */
export function installedBinDir(tool: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  return join(toolsDir(env), tool, RENDERERS[tool].version);
}

export type ToolSource = 'option' | 'env' | 'installed' | 'path';

export interface FoundTool {
  /** A path, or (source `path`) the bare name looked up on PATH. */
  bin: string;
  source: ToolSource;
}

/** The binary to run: the option, else the variable, else the installed pinned version, else the name on PATH. */
export function findTool(tool: ToolName, configured: string | undefined, env: NodeJS.ProcessEnv = process.env): FoundTool {
  if (configured !== undefined) return { bin: configured, source: 'option' };
  const fromEnv = env[RENDERERS[tool].env];
  if (fromEnv !== undefined && fromEnv !== '') return { bin: fromEnv, source: 'env' };
  const installed = installedPath(tool, env);
  if (existsSync(installed)) return { bin: installed, source: 'installed' };
  return { bin: tool, source: 'path' };
}
