import { queryOptions } from '@tanstack/react-query';
import { apiGet } from './api.ts';

export const setupQuery = queryOptions({
  queryKey: ['setup'],
  queryFn: () => apiGet<{ needed: boolean }>('/api/setup'),
  staleTime: 30_000,
});

export const PASSWORD_MIN_LENGTH = 10;

/** Client-side checks mirrored from the server, so the common mistakes are caught before a round trip. */
export function passwordProblem(password: string): string | undefined {
  return password.length < PASSWORD_MIN_LENGTH ? `Use at least ${PASSWORD_MIN_LENGTH} characters` : undefined;
}

export function confirmProblem(password: string, confirm: string): string | undefined {
  return password === confirm ? undefined : 'The passwords do not match';
}
