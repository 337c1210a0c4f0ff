/**
 * The YAML stream a tool prints, split into its documents and parsed one by one: the YAML limits
 * apply per document, and each document gets the origin its producer can tell (helm's
 * `# Source:` comment, kustomize's origin annotation).
 */
import { isTrueupError, parseYamlDocuments, TrueupError, type DesiredObject, type Origin, type ParsedDocument } from '@trueup/api';
import type { RenderLimits } from '../limits.ts';
import { ObjectCollector } from './kube-manifest.ts';

/** A document marker: `---` alone, or followed by a space or a comment. */
const DOCUMENT_MARKER = /^---(?:[ \t].*)?$/;

/**
 * Splits on document markers at the start of a line. YAML allows `---` at column 0 only as a
 * marker (block scalars are indented, flow scalars may not contain one), so this cut is exact.
 */
export function splitDocuments(output: string): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  for (const line of output.split('\n')) {
    if (DOCUMENT_MARKER.test(line)) {
      chunks.push(current.join('\n'));
      current = [];
    } else {
      current.push(line);
    }
  }
  chunks.push(current.join('\n'));
  return chunks.filter((chunk) => chunk.trim() !== '');
}

export interface ToolOutput {
  output: string;
  /** `helm template of charts/web`, for messages. */
  producedBy: string;
  limits: RenderLimits;
  /** Where a document came from; `value` is undefined when the document is empty. */
  originOf(chunk: string, value: unknown): Origin;
  /** Lets the producer drop fields it added for its own bookkeeping. */
  strip?(value: unknown): unknown;
}

export function collectToolOutput(tool: ToolOutput): DesiredObject[] {
  const collector = new ObjectCollector(tool.limits.maxObjects);
  for (const chunk of splitDocuments(tool.output)) {
    for (const doc of parseChunk(tool, chunk)) {
      const origin = tool.originOf(chunk, doc.value);
      const value = tool.strip === undefined ? doc.value : tool.strip(doc.value);
      const { file, line, ...rendered } = origin;
      collector.add({ value, file, lineOf: () => line, producedBy: tool.producedBy, ...(Object.keys(rendered).length === 0 ? {} : { rendered }) });
    }
  }
  return collector.objects;
}

/** Parses one document; a YAML error names the document's origin rather than a line of the stream. */
function parseChunk(tool: ToolOutput, chunk: string): ParsedDocument[] {
  try {
    return parseYamlDocuments(chunk, tool.producedBy, tool.limits.yaml);
  } catch (error) {
    if (!isTrueupError(error)) throw error;
    const origin = tool.originOf(chunk, undefined);
    const message = `${error.message} (in the output of ${tool.producedBy})`;
    throw new TrueupError(error.code, error, message, { file: origin.file, line: origin.line }, { cause: error });
  }
}
