/**
 * One host manifest document, checked at the edge: apiVersion, kind, strict metadata and the kind's
 * strict spec schema. Every error names the file, the line and the field path.
 */
import {
  ApiErrors, ApplicationSchema, fieldError, HOST_API_VERSION, HOST_KIND_SCHEMAS, HOST_KINDS, isHostKind, isTrueupError, validateDocument,
  type CommandSpec, type DirectorySpec, type FileSpec, type HostKind, type ParsedDocument, type ServiceSpec, type SymlinkSpec,
} from '@trueup/api';

export interface HostMetadata {
  name: string;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
}

interface HostSpecs {
  File: FileSpec;
  Directory: DirectorySpec;
  Symlink: SymlinkSpec;
  Command: CommandSpec;
  Service: ServiceSpec;
}

/** A validated document: kind and spec travel together so a `switch` on kind narrows the spec. */
export type HostResource = { [K in HostKind]: { kind: K; spec: HostSpecs[K] } }[HostKind];

export type HostDocument = HostResource & {
  metadata: HostMetadata;
  /** Repo-relative manifest file. */
  file: string;
  doc: ParsedDocument;
};

const TOP_LEVEL_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'spec']);

/** Metadata rules are the Application's: a DNS-1123 name, labels and annotations, nothing else. */
const withMetadata = ApplicationSchema.pick({ metadata: true });
const DOCUMENT_SCHEMAS = {
  File: withMetadata.extend({ spec: HOST_KIND_SCHEMAS.File }).loose(),
  Directory: withMetadata.extend({ spec: HOST_KIND_SCHEMAS.Directory }).loose(),
  Symlink: withMetadata.extend({ spec: HOST_KIND_SCHEMAS.Symlink }).loose(),
  Command: withMetadata.extend({ spec: HOST_KIND_SCHEMAS.Command }).loose(),
  Service: withMetadata.extend({ spec: HOST_KIND_SCHEMAS.Service }).loose(),
} as const;

export function validateHostDocument(doc: ParsedDocument, file: string): HostDocument {
  const value = doc.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fieldError(doc, file, [], 'expected a mapping with apiVersion, kind, metadata and spec');
  }
  const fields = value as Record<string, unknown>;
  const { apiVersion, kind } = fields;
  if (apiVersion !== HOST_API_VERSION) {
    const message = apiVersion === undefined ? `apiVersion is missing: host manifests use ${HOST_API_VERSION}` : `apiVersion ${JSON.stringify(apiVersion)} is not a host API: host manifests use ${HOST_API_VERSION}`;
    throw ApiErrors.create('API_KIND_UNKNOWN', message, { file, line: doc.lineOf(['apiVersion']), field: 'apiVersion' });
  }
  if (typeof kind !== 'string' || !isHostKind(kind)) {
    const message = `unknown kind ${JSON.stringify(kind ?? null)}: expected one of ${HOST_KINDS.join(', ')}`;
    throw ApiErrors.create('API_KIND_UNKNOWN', message, { file, line: doc.lineOf(['kind']), field: 'kind' });
  }
  const unknown = Object.keys(fields).find((key) => !TOP_LEVEL_FIELDS.has(key));
  if (unknown !== undefined) throw fieldError(doc, file, [unknown], `unknown field "${unknown}"`, 'API_FIELD_UNKNOWN');
  const parsed = validateWithHints(kind, doc, file);
  // The schema for `kind` produced `spec`, so the pair is one member of HostResource.
  const resource = { kind, spec: parsed.spec } as HostResource;
  return { ...resource, metadata: parsed.metadata, file, doc };
}

function validateWithHints(kind: HostKind, doc: ParsedDocument, file: string): { metadata: HostMetadata; spec: HostResource['spec'] } {
  try {
    return validateDocument(DOCUMENT_SCHEMAS[kind], doc, file);
  } catch (error) {
    throw isTrueupError(error) && error.location.field === 'spec.mode' ? explainMode(error, doc, file) : error;
  }
}

/** YAML 1.2 reads an unquoted 0644 as the decimal number 644: say so, and how to fix it. */
function explainMode(error: Error, doc: ParsedDocument, file: string): Error {
  const spec = (doc.value as { spec?: unknown }).spec;
  const mode = typeof spec === 'object' && spec !== null ? (spec as { mode?: unknown }).mode : undefined;
  if (typeof mode !== 'number') return error;
  return fieldError(doc, file, ['spec', 'mode'], `expected a quoted octal string such as "0644": quote the mode, unquoted YAML reads it as the number ${mode}`);
}
