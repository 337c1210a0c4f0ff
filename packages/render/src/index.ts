/** `@trueup/render`: turns a checkout into desired objects. Host manifests for now. */
export { renderHostManifests, type RenderHostOptions } from './render-host.ts';
export { RenderErrors, type RenderErrorCode } from './errors.ts';
export { DEFAULT_RENDER_LIMITS, resolveRenderLimits, type RenderLimitOverrides, type RenderLimits } from './limits.ts';
export { describeRender, type RenderSummary } from './describe.ts';
export { SOURCE_ANNOTATION } from './desired.ts';
export { compareDesired, HOST_KIND_ORDER } from './order.ts';
export { DEFAULT_DIRECTORY_MODE, DEFAULT_FILE_MODE, normalizeHostPath, normalizeMode } from './normalize.ts';
export { renderKubernetesManifests, type KubernetesRender, type RenderKubernetesOptions } from './kube/render-kubernetes.ts';
export { pullChart, type ChartPull } from './kube/helm-pull.ts';
export { toolBin } from './kube/run-tool.ts';
export { findTool, installedBinDir, installedPath, RENDERERS, TOOL_NAMES, toolsDir, type FoundTool, type Renderer, type ToolName, type ToolSource } from './tools/renderers.ts';
export { substituteVariables, SUBSTITUTE_ANNOTATION } from './kube/post-build.ts';
export { withDecryptedCheckout, type Decryption } from './sops.ts';
