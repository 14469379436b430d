/**
 * The one place the web client talks HTTP. Every call is same-origin with the session cookie; every
 * non-GET call carries the CSRF token the server handed out with the last `Me` response.
 */
import type { Me } from './types.ts';

export interface ApiFieldError {
  path: string;
  message: string;
}

/** A non-2xx answer from the API, decoded from `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: ApiFieldError[];
  /** Seconds to wait, from the Retry-After header of a 429. */
  readonly retryAfter: number | null;
  /** The error's `details` as sent (e.g. the row problems of a CSV upload). */
  readonly details: unknown;

  constructor(
    status: number,
    code: string,
    message: string,
    fields: ApiFieldError[],
    retryAfter: number | null,
    details: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfter = retryAfter;
    this.details = details;
  }
}

export type QueryValue = string | number | boolean | null | undefined;

let csrfToken: string | null = null;

/** Remembers the CSRF token of the current session (null after sign-out). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Stores the CSRF token carried by a `Me` response and returns the response unchanged. */
export function acceptMe(me: Me): Me {
  setCsrfToken(me.csrfToken);
  return me;
}

/** Builds `?a=1&b=2`, leaving out empty values. */
export function buildQuery(query: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseFields(details: unknown): ApiFieldError[] {
  if (!isRecord(details) || !Array.isArray(details.fields)) return [];
  const fields: ApiFieldError[] = [];
  for (const field of details.fields) {
    if (isRecord(field) && typeof field.message === 'string') {
      const path = Array.isArray(field.path) ? field.path.join('.') : String(field.path ?? '');
      fields.push({ path, message: field.message });
    }
  }
  return fields;
}

function parseRetryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy error page, an empty body): fall back to the status text below.
  }
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  const code = typeof error.code === 'string' ? error.code : `http_${response.status}`;
  const message =
    typeof error.message === 'string' && error.message
      ? error.message
      : `Request failed (${response.status}${response.statusText ? ` ${response.statusText}` : ''})`;
  return new ApiError(
    response.status,
    code,
    message,
    parseFields(error.details),
    parseRetryAfter(response.headers.get('retry-after')),
    error.details ?? null,
  );
}

/** A body sent as is (a file upload) instead of as JSON. */
interface RawBody {
  raw: Blob | string;
  contentType: string;
}

function isRawBody(body: unknown): body is RawBody {
  return typeof body === 'object' && body !== null && 'raw' in body && 'contentType' in body;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = isRawBody(body) ? body.contentType : 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : isRawBody(body) ? body.raw : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(
      0,
      'network_error',
      'Cannot reach the server. Check your connection and try again.',
      [],
      null,
    );
  }
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export function apiGet<T>(path: string, query: Record<string, QueryValue> = {}): Promise<T> {
  return request<T>('GET', `${path}${buildQuery(query)}`);
}

export function apiPost<T>(path: string, body?: unknown): Promise<T> {
  return request<T>('POST', path, body ?? {});
}

/** POSTs a file (or text) as the raw request body, e.g. a CSV upload as `text/csv`. */
export function apiUpload<T>(
  path: string,
  query: Record<string, QueryValue>,
  file: Blob | string,
  contentType: string,
): Promise<T> {
  return request<T>('POST', `${path}${buildQuery(query)}`, { raw: file, contentType });
}

export function apiPatch<T>(path: string, body: unknown): Promise<T> {
  return request<T>('PATCH', path, body);
}

export function apiPut<T>(path: string, body: unknown): Promise<T> {
  return request<T>('PUT', path, body);
}

export function apiDelete(path: string): Promise<void> {
  return request<void>('DELETE', path);
}

/** True when the error means "no valid session". */
export function isUnauthorized(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 401;
}
