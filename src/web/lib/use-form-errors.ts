import { useCallback, useState } from 'react';
import { ApiError } from './api.ts';
import { notifyError } from './notify.ts';

export type FieldErrors<F extends string> = Partial<Record<F, string>>;

/** Reduces an API field path (`body.email`, `/email`, `email`) to the form field it names, if any. */
export function matchField<F extends string>(path: string, fields: readonly F[]): F | null {
  const segments = path
    .replace(/^\//, '')
    .split(/[./[\]]+/)
    .filter(Boolean);
  if (segments[0] === 'body') segments.shift();
  const [first] = segments;
  if (first === undefined) return null;
  return fields.find((field) => field === first) ?? null;
}

/** "must be a valid email address" → "Must be a valid email address". */
function sentence(message: string): string {
  return message ? `${message[0]?.toUpperCase() ?? ''}${message.slice(1)}` : message;
}

/**
 * Field-level error state for a form: API errors whose `details.fields` name one of `fields` are shown
 * under that field; anything else becomes a notification.
 */
export function useFormErrors<F extends string>(fields: readonly F[]) {
  const [errors, setErrors] = useState<FieldErrors<F>>({});

  const handleError = useCallback(
    (error: unknown, title?: string): void => {
      if (error instanceof ApiError && error.fields.length > 0) {
        const next: FieldErrors<F> = {};
        const unmatched: string[] = [];
        for (const field of error.fields) {
          const name = matchField(field.path, fields);
          if (name && next[name] === undefined) next[name] = sentence(field.message);
          else if (!name) unmatched.push(field.path ? `${field.path}: ${field.message}` : field.message);
        }
        setErrors(next);
        if (unmatched.length > 0 || Object.keys(next).length === 0) {
          notifyError(new Error([error.message, ...unmatched].join(' ')), title);
        }
        return;
      }
      setErrors({});
      notifyError(error, title);
    },
    [fields],
  );

  const setError = useCallback((field: F, message: string | undefined) => {
    setErrors((current) => ({ ...current, [field]: message }));
  }, []);

  const clear = useCallback(() => setErrors({}), []);

  return { errors, handleError, setError, clear };
}
