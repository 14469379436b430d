import { describe, expect, it } from 'vitest';
import {
  type Actor,
  canOpenMetricRecords,
  canSeeAcknowledgementOf,
  canSeePlaybookAcknowledgements,
  canSeeTeam,
  canSeeUser,
  permissions,
  type Reach,
  relationTo,
  roleAllows,
} from './policy.ts';

const actor: Actor = {
  userId: 'me',
  orgId: 'o',
  role: 'manager',
  sessionId: 's',
  tokenId: null,
  requestId: 'r',
};
const reach: Reach = {
  all: false,
  managedTeamIds: new Set(['t1', 't2']),
  ownTeamId: 't0',
  reportUserIds: new Set(['report']),
  teammateUserIds: new Set(['mate', 'report']),
};

describe('policy', () => {
  it('lets every role do what every signed-in user may, and only admins administer', () => {
    for (const p of [
      'authenticated',
      'me.update',
      'tokens.manage',
      'org.read',
      'users.read',
      'teams.read',
    ] as const) {
      expect(roleAllows('rep', p)).toBe(true);
      expect(roleAllows('manager', p)).toBe(true);
      expect(roleAllows('admin', p)).toBe(true);
    }
    for (const p of [
      'org.update',
      'users.manage',
      'teams.manage',
      'invitations.manage',
      'audit.read',
    ] as const) {
      expect(roleAllows('rep', p)).toBe(false);
      expect(roleAllows('manager', p)).toBe(false);
      expect(roleAllows('admin', p)).toBe(true);
    }
  });

  it('grants admins every permission', () => {
    for (const p of permissions) expect(roleAllows('admin', p)).toBe(true);
  });

  it('ranks relations self, then teams under me, then my team, then org', () => {
    expect(relationTo(actor, reach, 'me')).toBe('self');
    expect(relationTo(actor, reach, 'report')).toBe('teams_under_me');
    expect(relationTo(actor, reach, 'mate')).toBe('my_team');
    expect(relationTo(actor, reach, 'stranger')).toBe('none');
    expect(relationTo({ ...actor, role: 'admin' }, { ...reach, all: true }, 'stranger')).toBe('org');
  });

  it('sees users and teams only within reach', () => {
    expect(canSeeUser(actor, reach, 'stranger')).toBe(false);
    expect(canSeeUser(actor, reach, 'mate')).toBe(true);
    expect(canSeeTeam(reach, 't2')).toBe(true);
    expect(canSeeTeam(reach, 't0')).toBe(true);
    expect(canSeeTeam(reach, 't9')).toBe(false);
  });

  it('shows playbook acknowledgements to managers (about their people) and admins, never to reps', () => {
    expect(canSeePlaybookAcknowledgements(actor)).toBe(true);
    expect(canSeePlaybookAcknowledgements({ ...actor, role: 'admin' })).toBe(true);
    expect(canSeePlaybookAcknowledgements({ ...actor, role: 'rep' })).toBe(false);
    expect(canSeeAcknowledgementOf(actor, reach, 'report')).toBe(true);
    expect(canSeeAcknowledgementOf(actor, reach, 'mate')).toBe(false);
    expect(canSeeAcknowledgementOf(actor, reach, 'me')).toBe(false);
    expect(canSeeAcknowledgementOf({ ...actor, role: 'admin' }, { ...reach, all: true }, 'stranger')).toBe(
      true,
    );
  });

  it('opens the records behind a number only when the value is seen in full and the CRM records readable', () => {
    for (const visibility of ['none', 'ranks', 'values'] as const) {
      expect(canOpenMetricRecords(actor, reach, 'me', visibility)).toBe(true);
      expect(canOpenMetricRecords(actor, reach, 'report', visibility)).toBe(true);
      // Someone outside the manager's reach: a shared value, but not their records.
      expect(canOpenMetricRecords(actor, reach, 'stranger', visibility)).toBe(false);
    }
    const rep: Actor = { ...actor, userId: 'r', role: 'rep' };
    const repReach: Reach = { ...reach, managedTeamIds: new Set(), reportUserIds: new Set() };
    // A teammate's value shared with the team stays closed to a rep; a manager reads the team.
    expect(canOpenMetricRecords(rep, repReach, 'mate', 'values')).toBe(false);
    expect(canOpenMetricRecords(rep, repReach, 'mate', 'ranks')).toBe(false);
    expect(canOpenMetricRecords(rep, repReach, 'r', 'none')).toBe(true);
    expect(canOpenMetricRecords(actor, reach, 'mate', 'values')).toBe(true);
    expect(canOpenMetricRecords(actor, reach, 'mate', 'ranks')).toBe(false);
    const admin: Actor = { ...actor, role: 'admin' };
    expect(canOpenMetricRecords(admin, { ...reach, all: true }, 'stranger', 'none')).toBe(true);
  });
});
