import { Alert } from '@mantine/core';
import { IconCloudOff } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { ApiError } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/locale.ts';
import { useSession } from '../../lib/session-context.ts';

/** Whether the browser says it is online, kept up to date by its online/offline events. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => (typeof navigator === 'undefined' ? true : navigator.onLine));
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, []);
  return online;
}

/** A failed read that means "no connection" (the request never got an answer), not a server refusal. */
export function isNetworkError(error: unknown): boolean {
  return error instanceof ApiError && error.status === 0;
}

/**
 * "Offline — showing data from <time>": shown over a screen whose data comes from this device because
 * the server cannot be reached (the browser is offline, or the last read failed on the way).
 * `updatedAt` is when that data was loaded (TanStack's dataUpdatedAt; 0 = no data).
 */
export function OfflineBanner({ updatedAt, error }: { updatedAt: number; error?: unknown }) {
  const online = useOnline();
  const me = useSession();
  if (updatedAt === 0 || (online && !isNetworkError(error))) return null;
  return (
    <Alert
      color="yellow"
      variant="light"
      icon={<IconCloudOff size={18} aria-hidden />}
      role="status"
      data-testid="offline-banner"
      title={`Offline — showing data from ${formatDateTime(new Date(updatedAt).toISOString(), me.org.timeZone)}`}
    >
      Changes made elsewhere since then do not show until the connection returns.
    </Alert>
  );
}
