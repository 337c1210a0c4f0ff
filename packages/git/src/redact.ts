/**
 * Removing credentials from text before it reaches an error, a log, status or the UI. Secret
 * values read from credentials files are registered here when they are loaded, so every later
 * message is cleaned of them, whichever package prints it.
 */

/** Shorter values are not redacted: replacing every "ab" would make messages unreadable, not safer. */
export const MIN_SECRET_LENGTH = 4;
const REDACTED = '***';

const knownSecrets = new Set<string>();

/** `scheme://userinfo@`: everything up to the last `@` before the host's end. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*):\/\/([^\s/?#]*)@/gi;

/** Remembers a secret value (a password, a token, an encoded header) so that `stripCredentials` removes it. */
export function registerSecret(value: string): void {
  if (value.length >= MIN_SECRET_LENGTH) knownSecrets.add(value);
}

/**
 * Removes userinfo from URLs (`https://user:pass@host/x` → `https://host/x`; for other schemes
 * such as `ssh://git@host` only a password is removed, the login name stays) and every known
 * secret value, registered or given in `extra`.
 */
export function stripCredentials(text: string, extra: Iterable<string> = []): string {
  let out = text.replace(URL_USERINFO, (_match, scheme: string, userinfo: string) => {
    if (/^https?$/i.test(scheme)) return `${scheme}://`;
    const colon = userinfo.indexOf(':');
    return colon === -1 ? `${scheme}://${userinfo}@` : `${scheme}://${userinfo.slice(0, colon)}@`;
  });
  const secrets = [...knownSecrets, ...[...extra].filter((s) => s.length >= MIN_SECRET_LENGTH)];
  secrets.sort((a, b) => b.length - a.length);
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join(REDACTED);
  }
  return out;
}
