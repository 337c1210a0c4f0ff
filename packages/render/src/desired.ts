/** Turns a validated document, with its source file read, into a DesiredObject. */
import { HOST_API_VERSION, keyOf, type DesiredObject, type Manifest, type ObjectMeta } from '@trueup/api';
import type { HostDocument, HostMetadata } from './document.ts';
import { normalizeResource } from './normalize.ts';
import type { SourceContent } from './source.ts';

/** Annotation recording the repo-relative file a File's content was read from. */
export const SOURCE_ANNOTATION = 'trueup.dev/source';

export function toDesired(doc: HostDocument, source: SourceContent | undefined): DesiredObject {
  const resource = normalizeResource(doc);
  let spec: Record<string, unknown> = resource.spec;
  let metadata = copyMetadata(doc.metadata);
  if (resource.kind === 'File' && source !== undefined) {
    const { source: _source, encoding: _encoding, ...rest } = resource.spec;
    spec = { ...rest, content: source.content, ...(source.encoding === 'base64' ? { encoding: 'base64' } : {}) };
    metadata = { ...metadata, annotations: { ...metadata.annotations, [SOURCE_ANNOTATION]: source.file } };
  }
  const manifest: Manifest = { apiVersion: HOST_API_VERSION, kind: doc.kind, metadata, spec };
  const fieldLines: Record<string, number> = {};
  for (const field of Object.keys(doc.spec)) fieldLines[`spec.${field}`] = doc.doc.lineOf(['spec', field]);
  return { key: keyOf(manifest), manifest, origin: { file: doc.file, line: doc.doc.line }, fieldLines };
}

function copyMetadata({ name, labels, annotations }: HostMetadata): ObjectMeta {
  return { name, ...(labels === undefined ? {} : { labels: { ...labels } }), ...(annotations === undefined ? {} : { annotations: { ...annotations } }) };
}
