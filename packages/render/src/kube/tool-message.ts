/**
 * What of a tool's stderr reaches an error message: credentials removed from URLs, the machine's
 * absolute paths replaced by repo-relative ones, and no more than a screenful.
 */

/** Longest stderr excerpt put in a message. */
export const MAX_MESSAGE_CHARS = 2000;

/** `scheme://userinfo@`: everything up to the last `@` before the host's end. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*):\/\/[^\s/?#]*@/gi;

/** `https://user:token@host/x` → `https://host/x`, for every scheme. */
export function stripUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, (_match, scheme: string) => `${scheme}://`);
}

/** A path prefix to rewrite: `/tmp/x/checkout/` → `` makes checkout paths repo-relative. */
export interface Rewrite {
  from: string;
  to: string;
}

export function cleanToolMessage(stderr: string, rewrites: readonly Rewrite[] = [], maxChars = MAX_MESSAGE_CHARS): string {
  let text = stripUrlCredentials(stderr);
  // Longest first, so a checkout inside the temporary folder is rewritten as the checkout.
  for (const { from, to } of [...rewrites].sort((a, b) => b.from.length - a.from.length)) {
    if (from !== '') text = text.split(from).join(to);
  }
  text = text.replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
  return shorten(text, maxChars);
}

/** Keeps the start (what failed) and the end (helm puts its error after any warnings). */
export function shorten(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const marker = '\n…\n';
  const head = Math.floor((maxChars - marker.length) / 2);
  const tail = maxChars - marker.length - head;
  return `${text.slice(0, head)}${marker}${text.slice(text.length - tail)}`;
}
