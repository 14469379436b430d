export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'forbidden'
  | 'csrf_failed'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'internal';

export interface FieldProblem {
  path: string;
  message: string;
}

/** A typed error the one error handler maps to `{ error: { code, message, details } }`. */
export class AppError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: ErrorCode,
    message: string,
    public readonly details?: Record<string, unknown>,
    public readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export function notFound(what = 'Resource'): AppError {
  return new AppError(404, 'not_found', `${what} not found`);
}

export function forbidden(message = 'You do not have permission to do this'): AppError {
  return new AppError(403, 'forbidden', message);
}

export function unauthenticated(message = 'Sign in first'): AppError {
  return new AppError(401, 'unauthenticated', message);
}

export function conflict(message: string, details?: Record<string, unknown>): AppError {
  return new AppError(409, 'conflict', message, details);
}

/** A 400 that names the field at fault, the same shape zod validation errors take. */
export function invalidField(path: string, message: string): AppError {
  return new AppError(400, 'validation_failed', `${path}: ${message}`, { fields: [{ path, message }] });
}

export function rateLimited(retryAfterSeconds: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AppError(
    429,
    'rate_limited',
    `Too many attempts. Try again in ${seconds} seconds.`,
    { retryAfterSeconds: seconds },
    { 'retry-after': String(seconds) },
  );
}
