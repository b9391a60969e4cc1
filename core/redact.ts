/**
 * The one redaction of credentials in URLs: every URL (or text holding one) that is logged,
 * printed, written to a state file or a report goes through `redactUrl` first.
 */

/** Stands in for a password wherever a URL is shown. */
export const REDACTED = '***';

// scheme://user:password@ — the password runs to the last `@` before the host part.
const USERINFO_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):([^\s/]*)@/gi;

/** `redis://app:s3cret@h:6379` → `redis://app:***@h:6379`, everywhere in `text`. */
export function redactUrl(text: string): string {
  return text.replace(USERINFO_PASSWORD, `$1$2:${REDACTED}@`);
}
