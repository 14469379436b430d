import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { findPlaybookTarget } from './playbooks.repository.ts';

/**
 * Playbooks through the HTTP API: draft → publish → each affected rep is asked (notified) →
 * acknowledgement → a new version → the rep sees what changed since the version they acknowledged
 * → managers see who has not acknowledged. Published versions never change.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let managerA: Session;
let repA1: Session;
let repA2: Session;
let repB1: Session;

const v1 = {
  summary: 'What a field rep owns.',
  responsibilities: ['Visit every A account monthly', 'Log visits the same day'],
  targets: [
    { metric: 'visits', periodKind: 'week', amount: 20 },
    { metric: 'revenue_won', periodKind: 'quarter', amount: 5_000_000 },
  ],
  metrics: [{ metric: 'visits', note: 'Counts logged visits' }],
};
const v2 = {
  summary: 'What a field rep owns.',
  responsibilities: ['Visit every A account monthly', 'Call every lead within a day'],
  targets: [
    { metric: 'visits', periodKind: 'week', amount: 25 },
    { metric: 'calls', periodKind: 'week', amount: 50 },
  ],
  metrics: [
    { metric: 'visits', note: 'Only verified visits count in reviews' },
    { metric: 'calls', note: '' },
  ],
};

async function playbookNotifications() {
  return t.db.kysely
    .selectFrom('notifications')
    .select(['user_id', 'title'])
    .where('category', '=', 'playbook')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  [admin, managerA, repA1, repA2, repB1] = await Promise.all([
    signIn(t.app, w.org.admin.email, PASSWORD),
    signIn(t.app, w.managerA.email, PASSWORD),
    signIn(t.app, w.repA1.email, PASSWORD),
    signIn(t.app, w.repA2.email, PASSWORD),
    signIn(t.app, w.repB1.email, PASSWORD),
  ]);
});
afterAll(async () => {
  await t.close();
});

describe('playbook lifecycle', () => {
  it('publishes, asks each rep, records acknowledgements, diffs versions and lists who is pending', async () => {
    const created = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/playbooks',
      payload: { name: 'Field rep', scope: { type: 'role', role: 'rep' }, document: v1 },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect(created.json()).toMatchObject({
      currentVersion: null,
      versions: [{ version: 1, status: 'draft' }],
    });

    // Before publication reps see no document (drafts are for the people who manage the playbook).
    const early = (await as(t.app, repA1)({ method: 'GET', url: `/api/playbooks/${id}` })).json();
    expect(early).toMatchObject({
      currentVersion: null,
      versions: [],
      shown: null,
      needsAcknowledgement: false,
    });
    expect(await playbookNotifications()).toEqual([]);

    const published = await as(t.app, admin)({ method: 'POST', url: `/api/playbooks/${id}/publish` });
    expect(published.statusCode).toBe(200);
    expect(published.json().currentVersion).toBe(1);
    const asked = await playbookNotifications();
    expect(asked.map((n) => n.user_id).sort()).toEqual([w.repA1.id, w.repA2.id, w.repB1.id].sort());
    expect(asked[0]!.title).toContain('Field rep');

    // The rep reads version 1 with each metric's definition, and acknowledges it.
    const mine = (await as(t.app, repA1)({ method: 'GET', url: `/api/playbooks/${id}` })).json();
    expect(mine).toMatchObject({
      needsAcknowledgement: true,
      myAcknowledgedVersion: null,
      shown: { version: 1 },
    });
    expect(mine.shown.document.metrics[0].metric.definition).toContain('visits');
    expect(mine.shown.document.targets.map((x: { amount: number }) => x.amount)).toEqual([20, 5_000_000]);
    const wrong = await as(
      t.app,
      repA1,
    )({ method: 'POST', url: `/api/playbooks/${id}/acknowledge`, payload: { version: 2 } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details.fields[0].path).toBe('version');
    const ack = await as(
      t.app,
      repA1,
    )({ method: 'POST', url: `/api/playbooks/${id}/acknowledge`, payload: { version: 1 } });
    expect(ack.json()).toMatchObject({ myAcknowledgedVersion: 1, needsAcknowledgement: false });
    // It does not apply to managers, so they have nothing to acknowledge.
    const byManager = await as(
      t.app,
      managerA,
    )({ method: 'POST', url: `/api/playbooks/${id}/acknowledge`, payload: { version: 1 } });
    expect(byManager.statusCode).toBe(400);

    const pending1 = (
      await as(t.app, managerA)({ method: 'GET', url: `/api/playbooks/${id}/acknowledgements` })
    ).json();
    expect(pending1.version).toBe(1);
    expect(
      pending1.items
        .map((i: { user: { id: string }; acknowledgedVersion: number | null }) => [
          i.user.id,
          i.acknowledgedVersion,
        ])
        .sort(),
    ).toEqual(
      [
        [w.repA1.id, 1],
        [w.repA2.id, null],
      ].sort(),
    );
    expect(pending1.pending.map((u: { id: string }) => u.id)).toEqual([w.repA2.id]);

    // Version 2: a new draft; version 1 stays exactly as published.
    const v1Before = await t.db.kysely
      .selectFrom('playbook_versions')
      .selectAll()
      .where('playbook_id', '=', id)
      .where('version', '=', 1)
      .executeTakeFirstOrThrow();
    const draft = await as(
      t.app,
      admin,
    )({ method: 'PUT', url: `/api/playbooks/${id}/draft`, payload: { document: v2 } });
    expect(
      draft.json().versions.map((v: { version: number; status: string }) => [v.version, v.status]),
    ).toEqual([
      [1, 'published'],
      [2, 'draft'],
    ]);
    // Reps still see version 1 until version 2 is published.
    expect(
      (await as(t.app, repA1)({ method: 'GET', url: `/api/playbooks/${id}` })).json().shown.version,
    ).toBe(1);
    await as(t.app, admin)({ method: 'POST', url: `/api/playbooks/${id}/publish` });
    expect((await playbookNotifications()).length).toBe(6);
    const again = await as(t.app, admin)({ method: 'POST', url: `/api/playbooks/${id}/publish` });
    expect(again.statusCode).toBe(409);
    const v1After = await t.db.kysely
      .selectFrom('playbook_versions')
      .selectAll()
      .where('playbook_id', '=', id)
      .where('version', '=', 1)
      .executeTakeFirstOrThrow();
    expect(v1After).toEqual(v1Before);
    const oldDoc = (await as(t.app, repA1)({ method: 'GET', url: `/api/playbooks/${id}?version=1` })).json();
    expect(oldDoc.shown.document.responsibilities).toEqual(v1.responsibilities);

    // The rep who acknowledged version 1 sees exactly what changed.
    const diff = (await as(t.app, repA1)({ method: 'GET', url: `/api/playbooks/${id}/diff` })).json();
    expect(diff).toEqual({
      from: 1,
      to: 2,
      summaryChanged: false,
      summary: null,
      responsibilities: { added: ['Call every lead within a day'], removed: ['Log visits the same day'] },
      targets: {
        added: [{ metric: 'calls', periodKind: 'week', amount: 50 }],
        removed: [{ metric: 'revenue_won', periodKind: 'quarter', amount: 5_000_000 }],
        changed: [{ metric: 'visits', periodKind: 'week', from: 20, to: 25 }],
      },
      metrics: {
        added: ['calls'],
        removed: [],
        changed: [
          { metric: 'visits', from: 'Counts logged visits', to: 'Only verified visits count in reviews' },
        ],
      },
    });
    // From nothing (version 0), the summary is new and says what it is.
    const fromNothing = (
      await as(t.app, repA1)({ method: 'GET', url: `/api/playbooks/${id}/diff?from=0` })
    ).json();
    expect(fromNothing).toMatchObject({
      from: 0,
      to: 2,
      summaryChanged: true,
      summary: { from: '', to: 'What a field rep owns.' },
    });
    // A rep who never acknowledged sees everything as new.
    const fresh = (await as(t.app, repA2)({ method: 'GET', url: `/api/playbooks/${id}/diff` })).json();
    expect(fresh).toMatchObject({
      from: 0,
      to: 2,
      responsibilities: { added: v2.responsibilities, removed: [] },
    });

    const pending2 = (
      await as(t.app, managerA)({ method: 'GET', url: `/api/playbooks/${id}/acknowledgements` })
    ).json();
    expect(pending2.pending.map((u: { id: string }) => u.id).sort()).toEqual([w.repA1.id, w.repA2.id].sort());
    await as(
      t.app,
      repA1,
    )({ method: 'POST', url: `/api/playbooks/${id}/acknowledge`, payload: { version: 2 } });
    const pending3 = (
      await as(t.app, managerA)({ method: 'GET', url: `/api/playbooks/${id}/acknowledgements` })
    ).json();
    expect(pending3.pending.map((u: { id: string }) => u.id)).toEqual([w.repA2.id]);
    // Admins see everyone it applies to.
    const all = (
      await as(t.app, admin)({ method: 'GET', url: `/api/playbooks/${id}/acknowledgements` })
    ).json();
    expect(all.pending.map((u: { id: string }) => u.id).sort()).toEqual([w.repA2.id, w.repB1.id].sort());

    // Goals link to a playbook target by id.
    const targetId = oldDoc.shown.document.targets[1].id as string;
    expect(await findPlaybookTarget(t.db.kysely, w.org.orgId, targetId)).toEqual({
      id: targetId,
      playbookId: id,
      playbookName: 'Field rep',
      version: 1,
      published: true,
      isCurrent: false,
      metricKey: 'revenue_won',
      periodKind: 'quarter',
      amount: 5_000_000,
    });
    expect(await findPlaybookTarget(t.db.kysely, w.other.orgId, targetId)).toBeUndefined();
  });
});

describe('playbook access and validation', () => {
  it('lets a manager write their own team’s playbook only, and hides it from other teams', async () => {
    const doc = { responsibilities: ['Ride along monthly'], targets: [], metrics: [] };
    const other = await as(
      t.app,
      managerA,
    )({
      method: 'POST',
      url: '/api/playbooks',
      payload: { name: 'B', scope: { type: 'team', teamId: w.teamB }, document: doc },
    });
    expect(other.statusCode).toBe(400);
    expect(other.json().error.details.fields[0].path).toBe('scope.teamId');
    const role = await as(
      t.app,
      managerA,
    )({
      method: 'POST',
      url: '/api/playbooks',
      payload: { name: 'R', scope: { type: 'role', role: 'rep' }, document: doc },
    });
    expect(role.json().error.details.fields[0].path).toBe('scope');
    const own = await as(
      t.app,
      managerA,
    )({
      method: 'POST',
      url: '/api/playbooks',
      payload: { name: 'Team A', scope: { type: 'team', teamId: w.teamA }, document: doc },
    });
    expect(own.statusCode).toBe(201);
    const id = own.json().id;
    await as(t.app, managerA)({ method: 'POST', url: `/api/playbooks/${id}/publish` });
    expect(
      (await as(t.app, repA2)({ method: 'GET', url: `/api/playbooks/${id}` })).json().needsAcknowledgement,
    ).toBe(true);
    const missing = await as(
      t.app,
      repB1,
    )({ method: 'GET', url: '/api/playbooks/0190aaaa-0000-7000-8000-00000000dead' });
    const hidden = await as(t.app, repB1)({ method: 'GET', url: `/api/playbooks/${id}` });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toEqual(missing.json());
    expect(
      (await as(t.app, repB1)({ method: 'GET', url: '/api/playbooks' }))
        .json()
        .items.map((i: { id: string }) => i.id),
    ).not.toContain(id);
  });

  it('shows a manager their own reps’ acknowledgements of a role playbook they cannot edit, and refuses a rep', async () => {
    const doc = { responsibilities: ['Log visits the same day'], targets: [], metrics: [] };
    const created = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/playbooks',
      payload: { name: 'Reps everywhere', scope: { type: 'role', role: 'rep' }, document: doc },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect(created.json()).toMatchObject({ canManage: true, canSeeAcknowledgements: true });
    await as(t.app, admin)({ method: 'POST', url: `/api/playbooks/${id}/publish` });
    await as(
      t.app,
      repA1,
    )({ method: 'POST', url: `/api/playbooks/${id}/acknowledge`, payload: { version: 1 } });

    // The manager may not edit a role playbook, but is told they can follow it up…
    const seen = (await as(t.app, managerA)({ method: 'GET', url: `/api/playbooks/${id}` })).json();
    expect(seen).toMatchObject({ canManage: false, canSeeAcknowledgements: true });
    const listed = (await as(t.app, managerA)({ method: 'GET', url: '/api/playbooks' }))
      .json()
      .items.find((i: { id: string }) => i.id === id);
    expect(listed).toMatchObject({ canManage: false, canSeeAcknowledgements: true });
    // …and gets the status of their own reps only (not team B's rep, not themselves).
    const acks = await as(t.app, managerA)({ method: 'GET', url: `/api/playbooks/${id}/acknowledgements` });
    expect(acks.statusCode).toBe(200);
    const body = acks.json();
    expect(body.version).toBe(1);
    expect(
      body.items
        .map((i: { user: { id: string }; acknowledgedVersion: number | null; upToDate: boolean }) => [
          i.user.id,
          i.acknowledgedVersion,
          i.upToDate,
        ])
        .sort(),
    ).toEqual(
      [
        [w.repA1.id, 1, true],
        [w.repA2.id, null, false],
      ].sort(),
    );
    expect(body.pending).toEqual([{ id: w.repA2.id, name: 'Avery Rep' }]);

    // A rep reads the playbook but is neither offered nor served the acknowledgements.
    const asRep = (await as(t.app, repA2)({ method: 'GET', url: `/api/playbooks/${id}` })).json();
    expect(asRep).toMatchObject({ canManage: false, canSeeAcknowledgements: false });
    const refused = await as(t.app, repA2)({ method: 'GET', url: `/api/playbooks/${id}/acknowledgements` });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('forbidden');
  });

  it('refuses unknown metrics naming the field, storing nothing', async () => {
    const count = async () =>
      Number(
        (
          await t.db.kysely
            .selectFrom('playbooks')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const res = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/playbooks',
      payload: {
        name: 'Bad',
        scope: { type: 'role', role: 'rep' },
        document: {
          responsibilities: [],
          targets: [{ metric: 'happiness', periodKind: 'week', amount: 1 }],
          metrics: [],
        },
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('document.targets.0.metric');
    const extra = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/playbooks',
      payload: {
        name: 'Bad',
        scope: { type: 'role', role: 'rep' },
        document: { responsibilities: [], targets: [], metrics: [], sql: 'x' },
      },
    });
    expect(extra.statusCode).toBe(400);
    expect(await count()).toBe(before);
  });
});
