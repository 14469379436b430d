import { notifications } from '@mantine/notifications';
import { ApiError } from './api.ts';

/** A human sentence for any error thrown by an API call. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'rate_limited' && error.retryAfter !== null && !/try again/i.test(error.message)) {
      return `${error.message} Try again in ${error.retryAfter} s.`;
    }
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

export function notifyError(error: unknown, title = 'Something went wrong'): void {
  notifications.show({ color: 'red', title, message: errorMessage(error), autoClose: 8000 });
}

export function notifySuccess(message: string): void {
  notifications.show({ color: 'blue', message, autoClose: 4000 });
}
