import { createContext, useContext } from 'react';
import type { Me, Role } from './types.ts';

export const SessionContext = createContext<Me | null>(null);

/** The signed-in session; only usable below the authenticated shell. */
export function useSession(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useSession() used outside the signed-in shell');
  return me;
}

export function hasRole(me: Me, roles: readonly Role[]): boolean {
  return roles.includes(me.role);
}
