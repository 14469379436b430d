/**
 * The one cookie the server reads and writes (the session), without a cookie plugin: a plugin
 * parses every cookie of every request into an object and runs an onSend hook on every response,
 * for a value the API reads on authenticated requests only. Parsing follows RFC 6265 §5.2 as the
 * `cookie` package does: pairs split on `;`, names and values trimmed, the first pair of a name
 * wins, values percent-decoded when they hold a `%` (kept as sent when that fails).
 */

/** The value of cookie `name` in a `Cookie` request header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  let start = 0;
  const length = header.length;
  while (start < length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end && header.slice(start, eq).trim() === name) {
      const value = header.slice(eq + 1, end).trim();
      return value.includes('%') ? decode(value) : value;
    }
    start = end + 1;
  }
  return undefined;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export interface SetCookieOptions {
  path: string;
  httpOnly: boolean;
  sameSite: 'Lax' | 'Strict';
  secure: boolean;
  /** Omitted (with maxAge): a browser-session cookie. */
  expires?: Date;
  /** Seconds; 0 deletes the cookie at once. */
  maxAge?: number;
}

/** RFC 6265 cookie-name (a token) and path-value (no CTLs, no `;`). */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PATH_VALUE = /^[\u0020-\u003a\u003c-\u007e]*$/;

/** A `Set-Cookie` header value; the value is percent-encoded (read back by readCookie). */
export function serializeSetCookie(name: string, value: string, options: SetCookieOptions): string {
  if (!COOKIE_NAME.test(name)) throw new TypeError(`Invalid cookie name: ${name}`);
  if (!PATH_VALUE.test(options.path)) throw new TypeError(`Invalid cookie path: ${options.path}`);
  let header = `${name}=${encodeURIComponent(value)}`;
  if (options.maxAge !== undefined) {
    if (!Number.isInteger(options.maxAge)) throw new TypeError(`Invalid cookie max-age: ${options.maxAge}`);
    header += `; Max-Age=${options.maxAge}`;
  }
  header += `; Path=${options.path}`;
  if (options.expires !== undefined) {
    if (Number.isNaN(options.expires.getTime())) throw new TypeError('Invalid cookie expiry');
    header += `; Expires=${options.expires.toUTCString()}`;
  }
  if (options.httpOnly) header += '; HttpOnly';
  if (options.secure) header += '; Secure';
  return `${header}; SameSite=${options.sameSite}`;
}
