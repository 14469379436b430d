import { Alert } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { hasRole, useSession } from '../lib/session-context.ts';
import type { Role } from '../lib/types.ts';

/** Renders `children` only for the given roles; the server enforces the same rule on every call. */
export function RequireRole({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  const me = useSession();
  if (!hasRole(me, roles)) {
    return (
      <Alert color="gray" icon={<IconLock aria-hidden />} title="No access" role="alert">
        Your role does not include this section. Ask an admin if you need it.
      </Alert>
    );
  }
  return children;
}
