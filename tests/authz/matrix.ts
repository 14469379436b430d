import type { ActorKey } from './actors.ts';

/**
 * THE AUTHORIZATION MATRIX: for every API route, what each actor gets. Written from the product
 * rules (src/server/policy/policy.ts and /work/shared/PRODUCT.md), not recorded from the app:
 * where the app disagreed, the app was fixed (see docs/security.md).
 *
 * Outcomes
 *   'allow'    the request is carried out (2xx)
 *   'empty'    a list filtered by a record the actor may not see: 200 with no items (nothing leaks)
 *   'teamRead' a teammate's CRM record: 'allow' when the org lets reps read their team's accounts
 *              (`crm.repsReadTeamAccounts`), else 404 — the suite runs these rows both ways
 *   'public'   a public route: every actor, signed in or not, gets exactly what anonymous gets
 *   400        the input names something the actor may not use (an id in the body): 400 naming
 *              the field, like a nonexistent id
 *   401 / 403 / 404
 *              not signed in / role lacks the permission / the record is outside the actor's
 *              reach (or org) and answers exactly like a missing one
 *
 * Actors (tests/authz/actors.ts): the records a route names belong to `rep` (Team A) unless the
 * row's note says otherwise. Reviews/feedback participant and non-participant actors will be added
 * to `matrixActors` with those routes; shapes give them a default so older rows stay unchanged.
 *
 * A route missing here fails tests/integration/authz-matrix.int.test.ts with its name.
 */
export type Outcome = 'allow' | 'empty' | 'teamRead' | 'public' | 400 | 401 | 403 | 404;
export type Row = Record<ActorKey, Outcome>;

function shape(defaults: Outcome, given: Partial<Row>): Row {
  return {
    anonymous: 401,
    rep: defaults,
    teammate: defaults,
    otherTeamRep: defaults,
    manager: defaults,
    otherManager: defaults,
    director: defaults,
    admin: defaults,
    foreignAdmin: defaults,
    ...given,
  };
}

/** The common shapes of the product rules. */
export const shapes = {
  /** No session needed; the answer does not depend on who asks. */
  public: shape('public', { anonymous: 'public' }),
  /** Any signed-in person, about themselves or their own org (lists are filtered by reach). */
  member: shape('allow', {}),
  /** Admin-only, acting on the admin's own org (the other org's admin acts on theirs). */
  adminOrg: shape(403, { admin: 'allow', foreignAdmin: 'allow' }),
  /** Admin-only, naming a record of org A. */
  adminRecord: shape(403, { admin: 'allow', foreignAdmin: 404 }),
  /** An org-wide record everyone in the org reads (custom metric definitions). */
  orgRecord: shape('allow', { foreignAdmin: 404 }),
  /** A record the rep owns: the rep, the managers above them and admins (canReadOwned/canWriteOwned). */
  owned: shape(404, { rep: 'allow', manager: 'allow', director: 'allow', admin: 'allow' }),
  /** Same, for reads of accounts/contacts where the org may let teammates read. */
  ownedTeamRead: shape(404, {
    rep: 'allow',
    teammate: 'teamRead',
    manager: 'allow',
    director: 'allow',
    admin: 'allow',
  }),
  /** A list filtered by the rep's id: those who may read the rep's records see them, others none. */
  ownedList: shape('empty', { rep: 'allow', manager: 'allow', director: 'allow', admin: 'allow' }),
  /** Private to its owner (their tokens, sessions, notifications, the notes they wrote). */
  ownerOnly: shape(404, { rep: 'allow' }),
  /** The author, or an admin (note deletion, imports). */
  authorOrAdmin: shape(404, { rep: 'allow', admin: 'allow' }),
  /** Visible to the team and everyone above it (a person, a team, a team playbook): canSeeUser/canSeeTeam. */
  teamVisible: shape(404, {
    rep: 'allow',
    teammate: 'allow',
    manager: 'allow',
    director: 'allow',
    admin: 'allow',
  }),
  /** Managed from above (targets, team playbooks): reps lack the permission; other managers don't reach it. */
  managerOf: shape(404, {
    rep: 403,
    teammate: 403,
    otherTeamRep: 403,
    manager: 'allow',
    director: 'allow',
    admin: 'allow',
  }),
} satisfies Record<string, Row>;

export type ShapeName = keyof typeof shapes;

export interface MatrixEntry {
  shape: ShapeName;
  /** Cells that differ from the shape, each with the rule that says so. */
  except?: Partial<Row>;
  /** Cells that change when the org lets reps read their team's accounts. */
  teamReadOn?: Partial<Row>;
  note?: string;
}

export const matrix: Record<string, MatrixEntry> = {
  'GET /api/openapi.json': { shape: 'public' },
  'POST /api/auth/login': { shape: 'public', note: 'a wrong password: the same 401 for everyone' },
  'POST /api/auth/logout': { shape: 'member', note: 'each actor logs out a fresh session of its own' },
  'GET /api/setup': { shape: 'public' },
  'POST /api/setup': { shape: 'public', note: 'refused once an org exists, for everyone alike' },
  'GET /api/invitations/by-token/:token': { shape: 'public' },
  'POST /api/invitations/by-token/:token/accept': { shape: 'public', note: 'a fresh invitation per call' },
  'GET /api/notifications/unsubscribe': { shape: 'public' },
  'POST /api/notifications/unsubscribe': { shape: 'public' },

  'GET /api/me': { shape: 'member' },
  'PATCH /api/me': { shape: 'member' },
  'POST /api/me/password': {
    shape: 'member',
    note: 'the right current password; the new one is set back after',
  },
  'GET /api/me/tokens': { shape: 'member' },
  'POST /api/me/tokens': { shape: 'member' },
  'DELETE /api/me/tokens/:id': {
    shape: 'ownerOnly',
    note: "the rep's token: even an admin cannot revoke it",
  },
  'GET /api/me/sessions': { shape: 'member' },
  'DELETE /api/me/sessions/:id': { shape: 'ownerOnly', note: "another session of the rep's" },
  'GET /api/config': { shape: 'member' },

  'GET /api/org': { shape: 'member' },
  'PATCH /api/org': { shape: 'adminOrg' },
  'GET /api/invitations': { shape: 'adminOrg' },
  'POST /api/invitations': { shape: 'adminOrg' },
  'DELETE /api/invitations/:id': { shape: 'adminRecord' },
  'GET /api/users': { shape: 'member' },
  'POST /api/users': { shape: 'adminOrg' },
  'GET /api/users/:id': {
    shape: 'teamVisible',
    note: 'the rep: canSeeUser (self, teammates, managers above, admins)',
  },
  'PATCH /api/users/:id': { shape: 'adminRecord' },
  'GET /api/teams': { shape: 'member' },
  'GET /api/teams/:id': { shape: 'teamVisible', note: 'Team A: canSeeTeam' },
  'POST /api/teams': { shape: 'adminOrg' },
  'PATCH /api/teams/:id': { shape: 'adminRecord' },
  'DELETE /api/teams/:id': { shape: 'adminRecord', note: 'a fresh empty team' },
  'PUT /api/teams/:id/managers': { shape: 'adminRecord', note: 'a fresh team' },
  'GET /api/audit': { shape: 'adminOrg' },
  'GET /api/admin/jobs': { shape: 'adminOrg' },
  'POST /api/admin/jobs/:id/retry': { shape: 'adminRecord', note: 'a dead job of org A' },

  'GET /api/notifications': { shape: 'member' },
  'POST /api/notifications/:id/read': { shape: 'ownerOnly', note: "the rep's notification" },
  'POST /api/notifications/read-all': { shape: 'member' },
  'GET /api/notifications/preferences': { shape: 'member' },
  'PUT /api/notifications/preferences': { shape: 'member' },

  'GET /api/webhooks': { shape: 'adminOrg' },
  'POST /api/webhooks': { shape: 'adminOrg' },
  'GET /api/webhooks/:id': { shape: 'adminRecord' },
  'PATCH /api/webhooks/:id': { shape: 'adminRecord' },
  'DELETE /api/webhooks/:id': { shape: 'adminRecord' },
  'POST /api/webhooks/:id/rotate-secret': { shape: 'adminRecord' },
  'POST /api/webhooks/:id/test': { shape: 'adminRecord' },
  'GET /api/webhooks/:id/deliveries': { shape: 'adminRecord' },

  'GET /api/crm/settings': { shape: 'member' },
  'PATCH /api/crm/settings': { shape: 'adminOrg' },
  'GET /api/crm/pipelines': { shape: 'member' },
  'POST /api/crm/pipelines': { shape: 'adminOrg' },
  'PUT /api/crm/pipelines/:id': { shape: 'adminRecord' },
  'GET /api/crm/accounts': { shape: 'member' },
  'GET /api/crm/accounts/nearby': { shape: 'member' },
  'GET /api/crm/accounts/export': { shape: 'member' },
  'POST /api/crm/accounts': { shape: 'member', note: 'owned by the actor' },
  'GET /api/crm/accounts/:id': { shape: 'ownedTeamRead' },
  'PATCH /api/crm/accounts/:id': { shape: 'owned', note: 'team read never means team write' },
  'GET /api/crm/contacts': { shape: 'member' },
  'GET /api/crm/contacts/export': { shape: 'member' },
  'POST /api/crm/contacts': {
    shape: 'owned',
    except: { teammate: 400, otherTeamRep: 400, otherManager: 400, foreignAdmin: 400 },
    note: "on the rep's account: adding a contact edits the account (canWriteOwned), even with team read; an account one may not edit is a bad accountId",
  },
  'GET /api/crm/contacts/:id': { shape: 'ownedTeamRead' },
  'PATCH /api/crm/contacts/:id': { shape: 'owned' },
  'GET /api/crm/deals': { shape: 'member' },
  'GET /api/crm/deals/export': { shape: 'member' },
  'GET /api/crm/deals/board': { shape: 'member' },
  'POST /api/crm/deals': {
    shape: 'owned',
    except: { teammate: 400, otherTeamRep: 400, otherManager: 400, foreignAdmin: 400 },
    teamReadOn: { teammate: 'allow' },
    note: "a deal of the actor's own on the rep's account: needs only to read the account (team selling), so a teammate may when the org allows team read",
  },
  'GET /api/crm/deals/:id': { shape: 'owned' },
  'GET /api/crm/deals/:id/history': { shape: 'owned' },
  'PATCH /api/crm/deals/:id': { shape: 'owned' },
  'GET /api/crm/activities': { shape: 'member' },
  'GET /api/crm/activities/export': { shape: 'member' },
  'POST /api/crm/activities': { shape: 'member', note: 'owned by the actor' },
  'GET /api/crm/activities/:id': { shape: 'owned' },
  'PATCH /api/crm/activities/:id': { shape: 'owned' },
  'DELETE /api/crm/activities/:id': { shape: 'owned' },
  'GET /api/crm/notes': {
    shape: 'ownedTeamRead',
    note: "notes of the rep's account: whoever reads the account",
  },
  'POST /api/crm/notes': { shape: 'ownedTeamRead', note: "a note on the rep's account: whoever reads it" },
  'PATCH /api/crm/notes/:id': { shape: 'ownerOnly', note: 'only the author edits a note' },
  'DELETE /api/crm/notes/:id': { shape: 'authorOrAdmin' },
  'GET /api/crm/imports/fields': { shape: 'member' },
  'GET /api/crm/imports': { shape: 'member' },
  'POST /api/crm/imports': { shape: 'member' },
  'GET /api/crm/imports/:id': { shape: 'authorOrAdmin', note: "the rep's upload" },
  'POST /api/crm/imports/:id/dry-run': { shape: 'authorOrAdmin' },
  'POST /api/crm/imports/:id/start': { shape: 'authorOrAdmin' },
  'POST /api/crm/imports/:id/retry': { shape: 'authorOrAdmin', note: 'an upload whose job stopped' },

  'GET /api/metrics/catalog': { shape: 'member' },
  'GET /api/metrics/values': { shape: 'member' },
  'GET /api/metrics/grid': { shape: 'member' },
  'GET /api/metrics/org': {
    shape: 'member',
    except: { rep: 403, teammate: 403, otherTeamRep: 403 },
    note: 'managers and admins: the teams they oversee (an admin of either org: their own org)',
  },
  'GET /api/metrics/leaderboard': { shape: 'member' },
  'GET /api/metrics/records': {
    shape: 'owned',
    note: "the rep's records: only numbers shown in full, about people whose CRM records one reads",
  },
  'GET /api/metrics/trend': { shape: 'owned', note: "the rep's trend" },
  'GET /api/metrics/settings': { shape: 'member' },
  'PATCH /api/metrics/settings': { shape: 'adminOrg' },
  'GET /api/metrics/custom': { shape: 'member' },
  'POST /api/metrics/custom': { shape: 'adminOrg' },
  'GET /api/metrics/vocabulary': {
    shape: 'adminOrg',
    note: 'the custom-metric builder: territories and outcomes in use are for admins only',
  },
  'GET /api/metrics/custom/:id': { shape: 'orgRecord' },
  'PATCH /api/metrics/custom/:id': { shape: 'adminRecord' },
  'DELETE /api/metrics/custom/:id': { shape: 'adminRecord' },

  'GET /api/targets': { shape: 'ownedList', note: 'filtered by the rep (userId)' },
  'POST /api/targets': {
    shape: 'managerOf',
    except: { otherManager: 400, foreignAdmin: 400 },
    note: 'for the rep; an unreachable subject is a bad subjectId, like a missing one',
  },
  'GET /api/targets/effective': { shape: 'owned', note: "the rep's effective targets of a period" },
  'GET /api/targets/grid': { shape: 'managerOf', note: 'Team A' },
  'PUT /api/targets/grid': {
    shape: 'managerOf',
    except: { otherManager: 400, foreignAdmin: 400 },
    note: 'a cell for the rep',
  },
  'POST /api/targets/import': {
    shape: 'managerOf',
    except: { otherManager: 400, foreignAdmin: 400 },
    note: "a row for the rep's email; unreachable people are row errors",
  },
  'GET /api/targets/:id': { shape: 'owned', note: "the rep's target" },
  'PATCH /api/targets/:id': { shape: 'managerOf', note: 'nobody sets their own target' },
  'DELETE /api/targets/:id': { shape: 'managerOf' },

  'GET /api/playbooks': { shape: 'member' },
  'POST /api/playbooks': {
    shape: 'managerOf',
    except: { otherManager: 400, foreignAdmin: 400 },
    note: 'for Team A; a team one does not manage is a bad scope.teamId',
  },
  'GET /api/playbooks/:id': { shape: 'teamVisible', note: "Team A's playbook" },
  'GET /api/playbooks/:id/diff': { shape: 'teamVisible' },
  'PUT /api/playbooks/:id/draft': { shape: 'managerOf' },
  'POST /api/playbooks/:id/publish': { shape: 'managerOf', note: 'a playbook with a draft' },
  'GET /api/playbooks/:id/acknowledgements': { shape: 'managerOf' },
  'POST /api/playbooks/:id/acknowledge': {
    shape: 'teamVisible',
    except: { manager: 400, director: 400, admin: 400 },
    note: 'it applies to the members of Team A; others who read it are told it does not apply to them',
  },

  'GET /api/goals/settings': { shape: 'member' },
  'PATCH /api/goals/settings': { shape: 'adminOrg' },
  'POST /api/goals/smart-check': { shape: 'member' },
  'GET /api/goals': { shape: 'member' },
  'POST /api/goals': { shape: 'member', note: "the actor's own goal" },
  'GET /api/goals/:id': { shape: 'owned', note: "the rep's goal" },
  'GET /api/goals/:id/series': { shape: 'owned' },
  'PATCH /api/goals/:id': { shape: 'owned' },
  'DELETE /api/goals/:id': { shape: 'owned' },
  'POST /api/goals/:id/propose': { shape: 'owned' },
  'POST /api/goals/:id/agree': {
    shape: 'owned',
    except: { rep: 403 },
    note: 'proposed by the rep: the other (manager) side decides; the proposer cannot agree with themselves',
  },
  'POST /api/goals/:id/request-changes': { shape: 'owned', except: { rep: 403 } },
  'POST /api/goals/:id/comments': { shape: 'owned' },
  'POST /api/goals/:id/progress': { shape: 'owned', note: "a manual goal of the rep's" },
  'GET /api/objectives': { shape: 'member' },
  'POST /api/objectives': { shape: 'adminOrg' },
  'PATCH /api/objectives/:id': { shape: 'adminRecord' },
  'DELETE /api/objectives/:id': { shape: 'adminRecord' },
};

export function rowFor(key: string): Row {
  const entry = matrix[key];
  if (!entry) throw new Error(`no matrix row for ${key}`);
  return { ...shapes[entry.shape], ...entry.except };
}

export function isDeny(o: Outcome): boolean {
  return o === 401 || o === 403 || o === 404 || o === 400 || o === 'empty';
}

/**
 * Lists filtered by a record of Team A (`?ownerId=` the rep, `?teamId=` Team A, `?accountId=` the
 * rep's account…). 'allow' here means the list names at least one record; 'empty' that it answers
 * 200 with none — a filter naming someone out of reach narrows to nothing, it never widens. Every
 * GET route with such a query parameter must have a row per parameter (`METHOD /path ?param`).
 */
export const listFilterParams = [
  'ownerId',
  'userId',
  'ownerUserId',
  'user',
  'actorId',
  'teamId',
  'team',
  'ownerTeamId',
  'accountId',
  'dealId',
  'entityId',
] as const;
export type ListFilterParam = (typeof listFilterParams)[number];

const teamList = shape('empty', {
  rep: 'allow',
  teammate: 'allow',
  manager: 'allow',
  director: 'allow',
  admin: 'allow',
});

export const listFilters: Record<string, Row> = {
  'GET /api/users ?teamId': teamList,
  'GET /api/audit ?entityId': { ...shapes.adminOrg, foreignAdmin: 'empty' },
  'GET /api/audit ?actorId': { ...shapes.adminOrg, foreignAdmin: 'empty' },
  'GET /api/crm/accounts ?ownerId': shapes.ownedList,
  'GET /api/crm/accounts ?teamId': shapes.ownedList,
  'GET /api/crm/contacts ?accountId': shapes.ownedList,
  'GET /api/crm/contacts ?ownerId': shapes.ownedList,
  'GET /api/crm/deals ?ownerId': shapes.ownedList,
  'GET /api/crm/deals ?teamId': shapes.ownedList,
  'GET /api/crm/deals ?accountId': shapes.ownedList,
  'GET /api/crm/deals/board ?ownerId': shapes.ownedList,
  'GET /api/crm/deals/board ?teamId': shapes.ownedList,
  'GET /api/crm/activities ?ownerId': shapes.ownedList,
  'GET /api/crm/activities ?teamId': shapes.ownedList,
  'GET /api/crm/activities ?accountId': shapes.ownedList,
  'GET /api/crm/activities ?dealId': shapes.ownedList,
  'GET /api/crm/notes ?entityId': shapes.ownedTeamRead,
  'GET /api/crm/accounts/export ?ownerId': shapes.ownedList,
  'GET /api/crm/accounts/export ?teamId': shapes.ownedList,
  'GET /api/crm/contacts/export ?accountId': shapes.ownedList,
  'GET /api/crm/contacts/export ?ownerId': shapes.ownedList,
  'GET /api/crm/deals/export ?ownerId': shapes.ownedList,
  'GET /api/crm/deals/export ?teamId': shapes.ownedList,
  'GET /api/crm/deals/export ?accountId': shapes.ownedList,
  'GET /api/crm/activities/export ?ownerId': shapes.ownedList,
  'GET /api/crm/activities/export ?teamId': shapes.ownedList,
  'GET /api/crm/activities/export ?accountId': shapes.ownedList,
  'GET /api/crm/activities/export ?dealId': shapes.ownedList,
  'GET /api/metrics/records ?user': shapes.owned,
  'GET /api/metrics/trend ?user': shapes.owned,
  // A team and its sub-teams, for those who oversee it (a rep's own team included: 404 like a stranger's).
  'GET /api/metrics/values ?team': { ...shapes.managerOf, rep: 404, teammate: 404, otherTeamRep: 404 },
  'GET /api/metrics/grid ?team': { ...shapes.managerOf, rep: 404, teammate: 404, otherTeamRep: 404 },
  'GET /api/targets ?userId': shapes.ownedList,
  'GET /api/targets ?teamId': teamList,
  'GET /api/targets/effective ?userId': shapes.owned,
  'GET /api/targets/grid ?teamId': shapes.managerOf,
  'GET /api/goals ?ownerUserId': shapes.ownedList,
  'GET /api/goals ?ownerTeamId': teamList,
};
