/**
 * The trailers every automated commit carries, and the test triggers use to ignore commits that
 * only Trueup made (so a commit it pushed never starts the run that pushed it: no loops).
 */

export const TRAILER_AUTOMATED = 'Trueup-Automated';
export const TRAILER_SOURCE = 'Trueup-Source';
export const TRAILER_RUN = 'Trueup-Run';
export const TRAILER_DIGEST = 'Trueup-Digest';

export interface CommitOrigin {
  /** What made the change: `gitops-set`, `promotion`, `image-automation`, `adopt`, or a CI job's URL. */
  source: string;
  /** The pipeline run that asked for it, when there is one. */
  run?: string;
}

const DIGEST = /sha256:[0-9a-f]{64}/g;

/** Image digests named in the values written, once each, in order. */
export function digestsOf(values: readonly string[]): string[] {
  return [...new Set(values.flatMap((value) => value.match(DIGEST) ?? []))];
}

/** `Key: value` lines for the end of the message; values are kept on one line. */
export function buildTrailers(origin: CommitOrigin | readonly CommitOrigin[], values: readonly string[]): string[] {
  const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ').trim();
  const origins = ([] as CommitOrigin[]).concat(origin);
  const sources = [...new Set(origins.map((each) => oneLine(each.source)))];
  const runs = [...new Set(origins.flatMap((each) => (each.run === undefined || each.run === '' ? [] : [oneLine(each.run)])))];
  const lines = [`${TRAILER_AUTOMATED}: true`, ...sources.map((source) => `${TRAILER_SOURCE}: ${source}`)];
  for (const run of runs) lines.push(`${TRAILER_RUN}: ${run}`);
  for (const digest of digestsOf(values)) lines.push(`${TRAILER_DIGEST}: ${digest}`);
  return lines;
}

/**
 * The trailers of a commit message: the `Key: value` lines of its last paragraph, when every
 * line of that paragraph is one (as `git interpret-trailers` reads them). Keys keep their case;
 * a key given twice keeps every value.
 */
export function parseTrailers(message: string): Map<string, string[]> {
  const paragraphs = message.replace(/\r\n/g, '\n').trim().split(/\n\s*\n/);
  const trailers = new Map<string, string[]>();
  if (paragraphs.length < 2) return trailers;
  const last = paragraphs[paragraphs.length - 1] ?? '';
  const lines = last.split('\n');
  const parsed = lines.map((line) => /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line));
  if (parsed.some((match) => match === null)) return trailers;
  for (const match of parsed) {
    if (match === null) continue;
    const [, key = '', value = ''] = match;
    trailers.set(key, [...(trailers.get(key) ?? []), value.trim()]);
  }
  return trailers;
}

/** True when the commit says it was made by Trueup's automation (`Trueup-Automated: true`). */
export function isTrueupCommit(message: string): boolean {
  const values = [...parseTrailers(message)].find(([key]) => key.toLowerCase() === TRAILER_AUTOMATED.toLowerCase())?.[1];
  return values?.some((value) => value.toLowerCase() === 'true') === true;
}

/**
 * True when every commit of a push was made by Trueup: a trigger skips such a push. One commit by
 * anyone else (or an empty list: a branch deletion, a force-push to an older commit) does not.
 */
export function onlyTrueupCommits(messages: readonly string[]): boolean {
  return messages.length > 0 && messages.every(isTrueupCommit);
}
