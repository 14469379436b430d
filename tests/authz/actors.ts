import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { makeWorld, PASSWORD } from '../factories/identity.ts';
import { as, type Session, signIn, type TestApp } from '../setup/test-app.ts';

/**
 * The actors of the authorization suites, all built from the shared org chart of `makeWorld`:
 *
 *   org "Northwind" ── admin
 *     Region (director) ─┬─ Team A (managerA): repA1 = `rep` (owns the records), repA2 = `teammate`
 *                        └─ Team B (managerB = `otherManager`): repB1 = `otherTeamRep`
 *   org "Contoso"   ── admin = `foreignAdmin`, a manager and a rep (`foreignRep`, swap suite only)
 *
 * Records under test are owned by `rep` (repA1) unless a route says otherwise.
 *
 * Reviews and feedback (issue 7 / capabilities 10 and 13) do not exist yet. When their routes
 * arrive, add `participant` and `nonParticipant` here (e.g. repA2 as the reviewer of repA1's review,
 * repB1 as a non-participant) and to `matrixActors`; every existing row then needs a value for
 * them, which `rowFor` in matrix.ts fills from each shape's `default` so only the new routes spell
 * them out.
 */
export const matrixActors = [
  'anonymous',
  'rep',
  'teammate',
  'otherTeamRep',
  'manager',
  'otherManager',
  'director',
  'admin',
  'foreignAdmin',
] as const;
export type ActorKey = (typeof matrixActors)[number];

export type World = Awaited<ReturnType<typeof makeWorld>>;

export interface AuthzContext {
  t: TestApp;
  w: World;
  sessions: Record<Exclude<ActorKey, 'anonymous'>, Session> & { foreignRep: Session };
  /** The user behind each actor (anonymous: none). */
  userOf: Record<Exclude<ActorKey, 'anonymous'>, { id: string; email: string }>;
  /** A request as an actor (anonymous: no cookie). */
  call(
    actor: ActorKey | 'foreignRep',
    opts: InjectOptions,
    session?: Session,
  ): Promise<LightMyRequestResponse>;
  /** A new session of the actor's user (for routes that end the session they run in). */
  freshSession(actor: Exclude<ActorKey, 'anonymous'>): Promise<Session>;
}

export async function buildContext(t: TestApp): Promise<AuthzContext> {
  const w = await makeWorld(t.db, t.clock);
  const userOf = {
    rep: w.repA1,
    teammate: w.repA2,
    otherTeamRep: w.repB1,
    manager: w.managerA,
    otherManager: w.managerB,
    director: w.director,
    admin: w.org.admin,
    foreignAdmin: w.other.admin,
  };
  const sessions = {} as AuthzContext['sessions'];
  for (const [key, user] of Object.entries(userOf)) {
    sessions[key as keyof typeof userOf] = await signIn(t.app, user.email, PASSWORD);
  }
  sessions.foreignRep = await signIn(t.app, w.otherRep.email, PASSWORD);
  return {
    t,
    w,
    sessions,
    userOf,
    call(actor, opts, session) {
      const s = session ?? (actor === 'anonymous' ? null : sessions[actor]);
      return as(t.app, s)(opts);
    },
    freshSession(actor) {
      return signIn(t.app, userOf[actor].email, PASSWORD);
    },
  };
}
