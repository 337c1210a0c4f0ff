/**
 * A promotion pipeline in Git (`.trueup/promotions/*.yml`): the values a release bundles, and the
 * ordered stages it moves through, each an application and the file/key its values are written
 * to, behind gates (soak in the previous stage, approvals, time windows). Errors name the file,
 * the line and the field.
 */
import semver from 'semver';
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { fieldError, validateDocument } from './validate.ts';
import { parseYamlDocuments } from './yaml.ts';

const name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'expected lower case letters, digits and "-"' }).max(63);
const duration = z.string().refine((text) => parseDuration(text) !== undefined, { message: 'expected a duration such as 30s, 10m or 1h' });
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a time of day as HH:MM (24 h)' });
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const WindowSchema = z.strictObject({
  days: z.array(z.enum(DAYS)).min(1).default([...DAYS]),
  from: clock,
  to: clock,
  /** IANA time zone; default UTC. */
  timezone: z.string().default('UTC').refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, { message: 'expected an IANA time zone such as UTC or Europe/Paris' }),
});

const StageSchema = z.strictObject({
  name,
  /** ENV/APP at the hub. */
  application: z.string().regex(/^[a-z0-9][-a-z0-9._]*\/[a-z0-9][-a-z0-9._]*$/, { message: 'expected ENV/APP' }),
  set: z.array(z.strictObject({ file: z.string().min(1), key: z.string().min(1), value: name, document: z.number().int().min(0).optional() })).min(1),
  gates: z.strictObject({
    /** Healthy in the previous stage at least this long. */
    soak: duration.optional(),
    approvals: z.strictObject({ count: z.number().int().min(1).max(10).default(1), role: z.enum(['admin', 'operator']).default('operator') }).optional(),
    windows: z.array(WindowSchema).min(1).optional(),
  }).default({}),
});

/**
 * Image automation: watch an OCI repository's tags; the newest tag the policy accepts becomes the
 * value `value` of a new release (other values carried over from the newest release).
 */
const ImagePolicySchema = z.strictObject({
  /** The release value it feeds. */
  value: name,
  /** HOST[:PORT]/PATH of the repository in an OCI registry. */
  repository: z.string().regex(/^[a-z0-9.-]+(:\d{1,5})?\/[a-z0-9]+([._\/-][a-z0-9]+)*$/, { message: 'expected HOST[:PORT]/PATH such as registry.example.com/team/web' }),
  /** Accept tags that are versions in this range (e.g. ">=1.0.0 <2", "^1.4"); newest version wins. */
  semver: z.string().refine((range) => semver.validRange(range) !== null, { message: 'expected a semver range such as ^1.2 or ">=1.0.0 <2"' }).optional(),
  /** Or accept tags matching this regular expression, ordered by `sort` (over the group named `sort`, else the whole tag). */
  pattern: z.string().max(512).refine((source) => {
    try {
      new RegExp(source, 'u');
      return true;
    } catch {
      return false;
    }
  }, { message: 'expected a regular expression' }).optional(),
  sort: z.enum(['numerical', 'alphabetical']).default('alphabetical'),
  /** How often the registry is asked; default 1m. */
  interval: duration.default('1m'),
  /** Plain HTTP (a registry on loopback without TLS). */
  insecure: z.boolean().default(false),
});
export type ImagePolicy = z.output<typeof ImagePolicySchema>;

export const PromotionSchema = z.strictObject({
  apiVersion: z.literal('trueup.dev/v1alpha1'),
  kind: z.literal('Promotion'),
  metadata: z.strictObject({ name }),
  spec: z.strictObject({
    repo: z.string().min(1),
    ref: z.string().min(1).default('main'),
    /** The named values a release bundles (an image digest, a chart version…). */
    values: z.array(z.strictObject({ name, description: z.string().optional() })).min(1),
    stages: z.array(StageSchema).min(1),
    images: z.array(ImagePolicySchema).max(20).optional(),
  }),
});
export type Promotion = z.output<typeof PromotionSchema>;

/** Parses one promotion file; throws API_* errors naming the file, line and field. */
export function parsePromotion(text: string, file: string): Promotion {
  const docs = parseYamlDocuments(text, file);
  const [doc] = docs;
  if (doc === undefined || docs.length !== 1) throw fieldError(doc ?? { value: null, index: 0, line: 1, lineOf: () => 1 }, file, [], `expected one Promotion document, found ${docs.length}`);
  const promotion = validateDocument(PromotionSchema, doc, file);
  const values = new Set<string>();
  promotion.spec.values.forEach((value, i) => {
    if (values.has(value.name)) throw fieldError(doc, file, ['spec', 'values', i, 'name'], `value "${value.name}" is declared twice`);
    values.add(value.name);
  });
  const stages = new Set<string>();
  promotion.spec.stages.forEach((stage, i) => {
    if (stages.has(stage.name)) throw fieldError(doc, file, ['spec', 'stages', i, 'name'], `stage "${stage.name}" is named twice`);
    stages.add(stage.name);
    if (i === 0 && stage.gates.soak !== undefined) throw fieldError(doc, file, ['spec', 'stages', i, 'gates', 'soak'], 'the first stage has no previous stage to soak in');
    stage.set.forEach((edit, j) => {
      if (!values.has(edit.value)) throw fieldError(doc, file, ['spec', 'stages', i, 'set', j, 'value'], `no value "${edit.value}" in spec.values (declared: ${[...values].join(', ')})`);
    });
    stage.gates.windows?.forEach((window, j) => {
      if (window.from === window.to) throw fieldError(doc, file, ['spec', 'stages', i, 'gates', 'windows', j, 'to'], 'a window must not start and end at the same time');
    });
  });
  promotion.spec.images?.forEach((image, i) => {
    if (!values.has(image.value)) throw fieldError(doc, file, ['spec', 'images', i, 'value'], `no value "${image.value}" in spec.values (declared: ${[...values].join(', ')})`);
    if ((image.semver === undefined) === (image.pattern === undefined)) throw fieldError(doc, file, ['spec', 'images', i], 'give exactly one of semver (a version range) or pattern (a regular expression)');
  });
  return promotion;
}
