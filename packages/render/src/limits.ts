/** Limits on what one render reads from the checkout: raw overrides are defaulted and checked once. */
import { DEFAULT_YAML_LIMITS, type YamlLimits } from '@trueup/api';

export interface RenderLimits {
  /** Manifest files (`*.yaml`, `*.yml`, `*.json`) under the path. */
  maxFiles: number;
  /** Objects across all manifests. */
  maxObjects: number;
  /** Bytes of one `File.spec.source` file. */
  maxSourceBytes: number;
  /** Bytes of all source files together. */
  maxTotalSourceBytes: number;
  /** Per manifest file: size, documents, aliases, depth. */
  yaml: YamlLimits;
}

/** What callers pass: any subset, defaults fill the rest. */
export type RenderLimitOverrides = Partial<Omit<RenderLimits, 'yaml'>> & { yaml?: Partial<YamlLimits> };

export const DEFAULT_RENDER_LIMITS: RenderLimits = Object.freeze({
  maxFiles: 10_000,
  maxObjects: 10_000,
  maxSourceBytes: 16 * 1024 * 1024,
  maxTotalSourceBytes: 256 * 1024 * 1024,
  yaml: DEFAULT_YAML_LIMITS,
});

export function resolveRenderLimits(overrides: RenderLimitOverrides = {}): RenderLimits {
  const { yaml, ...rest } = overrides;
  const limits: RenderLimits = { ...DEFAULT_RENDER_LIMITS, ...rest, yaml: { ...DEFAULT_RENDER_LIMITS.yaml, ...yaml } };
  const { maxBytes, maxDocuments, maxAliases, maxDepth } = limits.yaml;
  const numbers = Object.entries({
    maxFiles: limits.maxFiles, maxObjects: limits.maxObjects, maxSourceBytes: limits.maxSourceBytes, maxTotalSourceBytes: limits.maxTotalSourceBytes,
    'yaml.maxBytes': maxBytes, 'yaml.maxDocuments': maxDocuments, 'yaml.maxAliases': maxAliases, 'yaml.maxDepth': maxDepth,
  });
  for (const [name, value] of numbers) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`render limit ${name} must be a non-negative integer, got ${value}`);
  }
  return limits;
}
