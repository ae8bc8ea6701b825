/**
 * Secret redaction. Secrets never reach logs, error messages or `--json` output:
 * passwords in URLs (`amqps://user:pass@host`), API keys, HTTP auth headers, tokens.
 */

/** Key names whose values are always secret, wherever they appear in a logged object. */
export const SECRET_KEYS = [
  'password',
  'passphrase',
  'apiKey',
  'api_key',
  'token',
  'authorization',
  'Authorization',
  'secret',
] as const;

/** pino `redact` paths covering SECRET_KEYS at the top level and one or two levels down. */
export const PINO_REDACT_PATHS: string[] = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):([^/@\s]+)@/gi;

/** Replace the password part of any URL userinfo in `text` with `***`. */
export function redactUrls(text: string): string {
  return text.replace(URL_USERINFO, '$1$2:***@');
}
