import type { Role } from '../db/schema.ts';
import { forbidden, notFound } from '../lib/errors.ts';

/**
 * The one place that decides who may do what. Two layers:
 * 1. Route permissions: every route declares one Permission; the app refuses a request whose
 *    actor's role does not hold it (401 without an actor, 403 with one) before any handler runs.
 * 2. Record rules: services ask `relationTo` / `canSeeUser` / … about a concrete record, using the
 *    actor's reach (self → my team → teams under me → org). A record the actor may not see answers
 *    404 exactly like a missing one, so ids of other teams and other orgs reveal nothing.
 */
export const permissions = [
  'public',
  'authenticated',
  'me.update',
  'tokens.manage',
  'org.read',
  'org.update',
  'users.read',
  'users.manage',
  'teams.read',
  'teams.manage',
  'invitations.manage',
  'audit.read',
  'crm.read',
  'crm.write',
  'crm.admin',
  'metrics.read',
  'metrics.admin',
  'targets.read',
  'targets.manage',
  'playbooks.read',
  'playbooks.acknowledge',
  'playbooks.manage',
  'notifications.read',
  'notifications.update',
  'jobs.manage',
  'webhooks.manage',
  'goals.read',
  'goals.write',
  'goals.admin',
] as const;

export type Permission = (typeof permissions)[number];

const everyone: Permission[] = [
  'authenticated',
  'me.update',
  'tokens.manage',
  'org.read',
  'users.read',
  'teams.read',
  'crm.read',
  'crm.write',
  'metrics.read',
  'targets.read',
  'playbooks.read',
  'playbooks.acknowledge',
  'notifications.read',
  'notifications.update',
  'goals.read',
  'goals.write',
];

const managing: Permission[] = ['targets.manage', 'playbooks.manage'];

const grants: Record<Role, ReadonlySet<Permission>> = {
  rep: new Set(everyone),
  manager: new Set([...everyone, ...managing]),
  admin: new Set([
    ...everyone,
    ...managing,
    'metrics.admin',
    'org.update',
    'users.manage',
    'teams.manage',
    'invitations.manage',
    'audit.read',
    'crm.admin',
    'jobs.manage',
    'webhooks.manage',
    'goals.admin',
  ]),
};

export function roleAllows(role: Role, permission: Permission): boolean {
  if (permission === 'public') return true;
  return grants[role].has(permission);
}

/** Who is acting. Built once per request from the session or API token; never from the body. */
export interface Actor {
  userId: string;
  orgId: string;
  role: Role;
  sessionId: string | null;
  tokenId: string | null;
  requestId: string;
}

/**
 * What an actor can reach in the org chart. For a manager: the teams they manage and every team
 * nested beneath them (a director sees the teams below), and the people in those teams. For a rep:
 * their own team. Admins reach the whole org (`all`).
 */
export interface Reach {
  all: boolean;
  /** Teams the actor manages directly or through a parent team. */
  managedTeamIds: ReadonlySet<string>;
  /** The team the actor belongs to as a member, if any. */
  ownTeamId: string | null;
  /** Users in managed teams (members and sub-team managers), excluding the actor. */
  reportUserIds: ReadonlySet<string>;
  /** Members and managers of the actor's own team, excluding the actor. */
  teammateUserIds: ReadonlySet<string>;
  /**
   * The names of the members and managers of the teams reached (managed, beneath, own — the actor
   * too when among them), as loaded with the reach; absent when not loaded.
   */
  names?: ReadonlyMap<string, string>;
}

export type Relation = 'self' | 'teams_under_me' | 'my_team' | 'org' | 'none';

/** The closest relation between the actor and another user, in order of precedence. */
export function relationTo(actor: Actor, reach: Reach, userId: string): Relation {
  if (userId === actor.userId) return 'self';
  if (reach.reportUserIds.has(userId)) return 'teams_under_me';
  if (reach.teammateUserIds.has(userId)) return 'my_team';
  if (reach.all) return 'org';
  return 'none';
}

/** Everyone may see themselves, their teammates and their reports; admins see the whole org. */
export function canSeeUser(actor: Actor, reach: Reach, userId: string): boolean {
  return relationTo(actor, reach, userId) !== 'none';
}

/** Throws the same 404 a missing record gives when the actor may not see the user. */
export function assertCanSeeUser(actor: Actor, reach: Reach, userId: string): void {
  if (!canSeeUser(actor, reach, userId)) throw notFound('User');
}

export function assertRole(actor: Actor, ...roles: Role[]): void {
  if (!roles.includes(actor.role)) throw forbidden();
}

/** Managers see the teams they manage (and below); reps their own team; admins all. */
export function canSeeTeam(reach: Reach, teamId: string): boolean {
  return reach.all || reach.managedTeamIds.has(teamId) || reach.ownTeamId === teamId;
}

/**
 * Owned records (accounts, deals, activities): reps see and edit their own; managers those owned by
 * people in the teams under them; admins all. `teamRead` (an org setting for accounts) lets a rep
 * also read — never edit — what their teammates own.
 */
export function canReadOwned(
  actor: Actor,
  reach: Reach,
  ownerId: string,
  options: { teamRead?: boolean } = {},
): boolean {
  const relation = relationTo(actor, reach, ownerId);
  if (relation === 'self' || relation === 'teams_under_me' || relation === 'org') return true;
  return relation === 'my_team' && (actor.role !== 'rep' || options.teamRead === true);
}

export function canWriteOwned(actor: Actor, reach: Reach, ownerId: string): boolean {
  const relation = relationTo(actor, reach, ownerId);
  return relation === 'self' || relation === 'teams_under_me' || relation === 'org';
}

/**
 * The owners whose records a list may return, or null for the whole org. Lists filter with this
 * instead of checking rows one by one, so a page is one query whatever its size.
 */
export function readableOwnerIds(
  actor: Actor,
  reach: Reach,
  options: { teamRead?: boolean } = {},
): string[] | null {
  if (reach.all) return null;
  const ids = new Set<string>([actor.userId, ...reach.reportUserIds]);
  if (actor.role !== 'rep' || options.teamRead) for (const id of reach.teammateUserIds) ids.add(id);
  return [...ids];
}

/** Whom the actor may make the owner of a record: themselves, their reports, or anyone (admins). */
export function canAssignTo(actor: Actor, reach: Reach, ownerId: string): boolean {
  return canWriteOwned(actor, reach, ownerId);
}

/** What reps see of peers' numbers for a metric (an org setting per metric). */
export const peerVisibilities = ['none', 'ranks', 'values'] as const;
export type PeerVisibility = (typeof peerVisibilities)[number];

/**
 * How much of another person's metric value the actor may see: everything about themselves, the
 * people under them and (admins) the org — what a manager sees about a rep, the rep sees too;
 * about anyone else (peers, other teams) only what the org's visibility setting for the metric
 * allows: the value, the rank alone, or nothing at all.
 */
export function peerMetricView(
  actor: Actor,
  reach: Reach,
  userId: string,
  visibility: PeerVisibility,
): 'value' | 'rank' | 'hidden' {
  const relation = relationTo(actor, reach, userId);
  if (relation === 'self' || relation === 'teams_under_me' || relation === 'org') return 'value';
  if (visibility === 'values') return 'value';
  return visibility === 'ranks' ? 'rank' : 'hidden';
}

/**
 * Who may see who has (not) acknowledged a playbook they can read: managers — about the people
 * under them — and admins (everyone it applies to), also for playbooks they do not manage, such as
 * a role playbook only admins write. Reps may not (they acknowledge, they do not follow up).
 */
export function canSeePlaybookAcknowledgements(actor: Actor): boolean {
  return roleAllows(actor.role, 'playbooks.manage');
}

/** Whose acknowledgement of a playbook the actor is shown: the people under them; admins everyone. */
export function canSeeAcknowledgementOf(actor: Actor, reach: Reach, userId: string): boolean {
  return (
    userId !== actor.userId &&
    canReadOwned(actor, reach, userId) &&
    (reach.all || reach.reportUserIds.has(userId))
  );
}

/**
 * Whether the actor may open the records behind a person's number of a metric (the drill-down): only
 * a number they see in full, about someone whose CRM records they may read. A peer whose value the
 * org shows to everyone still keeps their activities and deals to themselves and their managers.
 */
export function canOpenMetricRecords(
  actor: Actor,
  reach: Reach,
  userId: string,
  visibility: PeerVisibility,
): boolean {
  return peerMetricView(actor, reach, userId, visibility) === 'value' && canReadOwned(actor, reach, userId);
}

/**
 * Whose targets the actor may set: managers those of people and teams under them, admins anyone.
 * Nobody sets their own (a manager's quota comes from above).
 */
export function canSetTargetFor(actor: Actor, reach: Reach, subject: { type: 'user' | 'team'; id: string }) {
  if (actor.role === 'rep') return false;
  if (reach.all) return true;
  if (subject.type === 'team') return reach.managedTeamIds.has(subject.id);
  return subject.id !== actor.userId && reach.reportUserIds.has(subject.id);
}

/** Who may read a person's targets: the same people who may read what they own. */
export function canReadTargetsOf(actor: Actor, reach: Reach, subject: { type: 'user' | 'team'; id: string }) {
  if (subject.type === 'team') return canSeeTeam(reach, subject.id);
  return canReadOwned(actor, reach, subject.id);
}

/**
 * Goals: which side of a goal's agreement the actor stands on. The owner side is the person whose
 * goal it is (for a team goal: a direct manager of the team); the manager side is whoever manages
 * the owner through the org chart (for a team goal: a manager of a team above it), and admins.
 * A goal has two sides so that either can propose and the other decides.
 */
export type GoalSide = 'owner' | 'manager';

export interface GoalOwner {
  kind: 'user' | 'team';
  userId: string | null;
  teamId: string | null;
  /** For team goals: the team's direct managers. */
  teamManagerIds?: readonly string[];
}

export function goalSides(actor: Actor, reach: Reach, owner: GoalOwner): Set<GoalSide> {
  const sides = new Set<GoalSide>();
  if (owner.kind === 'user') {
    if (owner.userId === actor.userId) sides.add('owner');
    const relation = relationTo(actor, reach, owner.userId!);
    if (relation === 'teams_under_me' || (relation === 'org' && actor.role === 'admin')) sides.add('manager');
    if (relation === 'self' && reach.all) sides.add('manager');
  } else {
    const direct = owner.teamManagerIds?.includes(actor.userId) ?? false;
    if (direct) sides.add('owner');
    if (reach.all || (reach.managedTeamIds.has(owner.teamId!) && !direct)) sides.add('manager');
  }
  return sides;
}

/**
 * Teams above the actor's own team and the teams they manage: the goals a cascade comes down from,
 * which everyone beneath may read (a rep sees the region goal their team goal supports).
 */
export function teamsAbove(
  reach: Reach,
  teams: readonly { id: string; parent_team_id: string | null }[],
): Set<string> {
  const parent = new Map(teams.map((t) => [t.id, t.parent_team_id]));
  const above = new Set<string>();
  for (const start of [...reach.managedTeamIds, ...(reach.ownTeamId ? [reach.ownTeamId] : [])]) {
    let current = parent.get(start) ?? null;
    while (current && !above.has(current)) {
      above.add(current);
      current = parent.get(current) ?? null;
    }
  }
  return above;
}

/**
 * Reps see their own goals, their team's and those of the teams above; managers their reports' and
 * the goals of their teams, the teams beneath and above; admins all.
 */
export function canReadGoal(
  actor: Actor,
  reach: Reach,
  owner: GoalOwner,
  above: ReadonlySet<string> = new Set(),
): boolean {
  if (owner.kind === 'user') return canReadOwned(actor, reach, owner.userId!);
  return canSeeTeam(reach, owner.teamId!) || above.has(owner.teamId!);
}

/**
 * Whether a goal needs the other side's agreement before it counts. A policy decision on purpose:
 * the oversight level (a later issue) will let autonomous reps set goals without approval. Today
 * every goal needs it.
 */
export function goalNeedsApproval(_actor: Actor, _reach: Reach, _owner: GoalOwner): boolean {
  return true;
}
