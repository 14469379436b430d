import { Alert, Button, Center, Loader, Stack } from '@mantine/core';
import { errorMessage } from '../lib/notify.ts';

export function FullPageLoader({ label = 'Loading' }: { label?: string }) {
  return (
    <Center h="60dvh" role="status" aria-live="polite">
      <Loader aria-label={label} />
    </Center>
  );
}

export function FullPageError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <Center h="60dvh" p="md">
      <Stack maw={420}>
        <Alert color="red" title="Cannot load Outfield" role="alert">
          {errorMessage(error)}
        </Alert>
        {onRetry ? (
          <Button onClick={onRetry} variant="default">
            Try again
          </Button>
        ) : null}
      </Stack>
    </Center>
  );
}
