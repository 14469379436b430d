import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { type Actor, assertRole } from '../../policy/policy.ts';
import { audit } from '../audit/audit.service.ts';
import type { PipelineInput } from './crm.schemas.ts';
import { ensureDefaultPipeline } from './crm-settings.service.ts';

export async function loadPipelines(db: Executor, orgId: string) {
  const [pipelines, stages] = await Promise.all([
    db
      .selectFrom('pipelines')
      .select(['id', 'name', 'is_default'])
      .where('org_id', '=', orgId)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('stages')
      .select(['id', 'pipeline_id', 'name', 'position', 'probability', 'kind'])
      .where('org_id', '=', orgId)
      .orderBy('pipeline_id')
      .orderBy('position')
      .execute(),
  ]);
  return pipelines.map((p) => ({
    id: p.id,
    name: p.name,
    isDefault: p.is_default === 1,
    stages: stages
      .filter((s) => s.pipeline_id === p.id)
      .map((s) => ({
        id: s.id,
        name: s.name,
        position: s.position,
        probability: s.probability,
        kind: s.kind,
      })),
  }));
}

export async function listPipelines(deps: Deps, actor: Actor) {
  await ensureDefaultPipeline(deps.db.kysely, actor.orgId, deps.clock.now());
  return { items: await loadPipelines(deps.db.kysely, actor.orgId) };
}

export async function findStage(db: Executor, orgId: string, stageId: string) {
  return db
    .selectFrom('stages')
    .select(['id', 'pipeline_id', 'name', 'probability', 'kind', 'position'])
    .where('org_id', '=', orgId)
    .where('id', '=', stageId)
    .executeTakeFirst();
}

/** The first open stage of the org's default pipeline, where new deals start. */
export async function defaultStage(db: Executor, orgId: string, now: number) {
  await ensureDefaultPipeline(db, orgId, now);
  const pipeline = await db
    .selectFrom('pipelines')
    .select('id')
    .where('org_id', '=', orgId)
    .orderBy('is_default', 'desc')
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirstOrThrow();
  return db
    .selectFrom('stages')
    .select(['id', 'pipeline_id', 'name', 'probability', 'kind', 'position'])
    .where('org_id', '=', orgId)
    .where('pipeline_id', '=', pipeline.id)
    .where('kind', '=', 'open')
    .orderBy('position')
    .limit(1)
    .executeTakeFirstOrThrow();
}

/** Creates a pipeline (admin). Stages are ordered as given. */
export async function createPipeline(deps: Deps, actor: Actor, input: PipelineInput) {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    await ensureDefaultPipeline(trx, actor.orgId, deps.clock.now());
    const id = newId();
    if (input.isDefault)
      await trx.updateTable('pipelines').set({ is_default: 0 }).where('org_id', '=', actor.orgId).execute();
    await trx
      .insertInto('pipelines')
      .values({
        org_id: actor.orgId,
        id,
        name: input.name,
        is_default: input.isDefault ? 1 : 0,
        created_at: deps.clock.now(),
      })
      .execute();
    await trx
      .insertInto('stages')
      .values(
        input.stages.map((s, i) => ({
          org_id: actor.orgId,
          id: newId(),
          pipeline_id: id,
          name: s.name,
          position: i,
          probability: s.probability,
          kind: s.kind,
        })),
      )
      .execute();
    await audit(trx, deps, actor, 'pipeline', id, 'create', {
      name: input.name,
      stages: input.stages.map((s) => s.name),
    });
    return (await loadPipelines(trx, actor.orgId)).find((p) => p.id === id)!;
  });
}

/**
 * A stage's kind (open/won/lost) decides its deals' status, close date, credits and rollups, which
 * are written when a deal moves — so the kind may change only while no deal sits in the stage
 * (otherwise an open deal would sit, still open, in a won stage). Throws before anything is written.
 */
async function refuseKindChangeUnderDeals(
  db: Executor,
  orgId: string,
  existing: readonly { id: string; name: string; kind: string }[],
  wanted: PipelineInput['stages'],
) {
  const changed = wanted.flatMap((s, i) => {
    const before = s.id ? existing.find((e) => e.id === s.id) : undefined;
    return before && before.kind !== s.kind ? [{ i, before, kind: s.kind }] : [];
  });
  if (changed.length === 0) return;
  const counts = await db
    .selectFrom('deals')
    .select((eb) => ['stage_id', eb.fn.countAll().as('deals')])
    .where('org_id', '=', orgId)
    .where(
      'stage_id',
      'in',
      changed.map((c) => c.before.id),
    )
    .groupBy('stage_id')
    .execute();
  for (const c of changed) {
    const n = Number(counts.find((r) => r.stage_id === c.before.id)?.deals ?? 0);
    if (n > 0)
      throw invalidField(
        `stages.${c.i}.kind`,
        `stage "${c.before.name}" still has ${n} ${n === 1 ? 'deal' : 'deals'}; move them to another stage first to change its kind from ${c.before.kind} to ${c.kind}`,
      );
  }
}

/**
 * Replaces a pipeline's stages (admin). Stages given with their id are kept (renamed, re-ordered,
 * re-weighted); a stage left out is removed, and a kept stage's kind changed, only when no deal sits in it.
 */
export async function updatePipeline(deps: Deps, actor: Actor, pipelineId: string, input: PipelineInput) {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    const existing = (await loadPipelines(trx, actor.orgId)).find((p) => p.id === pipelineId);
    if (!existing) throw notFound('Pipeline');
    const keep = new Set(input.stages.flatMap((s) => (s.id ? [s.id] : [])));
    for (const [i, s] of input.stages.entries()) {
      if (s.id && !existing.stages.some((e) => e.id === s.id))
        throw invalidField(`stages.${i}.id`, 'is not a stage of this pipeline');
    }
    const removed = existing.stages.filter((s) => !keep.has(s.id));
    for (const stage of removed) {
      const used = await trx
        .selectFrom('deals')
        .select('id')
        .where('org_id', '=', actor.orgId)
        .where('stage_id', '=', stage.id)
        .limit(1)
        .executeTakeFirst();
      if (used) throw invalidField('stages', `stage "${stage.name}" still has deals; move them first`);
    }
    await refuseKindChangeUnderDeals(trx, actor.orgId, existing.stages, input.stages);
    if (removed.length > 0) {
      await trx
        .deleteFrom('stages')
        .where('org_id', '=', actor.orgId)
        .where(
          'id',
          'in',
          removed.map((s) => s.id),
        )
        .execute();
    }
    for (const [i, s] of input.stages.entries()) {
      if (s.id) {
        await trx
          .updateTable('stages')
          .set({ name: s.name, position: i, probability: s.probability, kind: s.kind })
          .where('org_id', '=', actor.orgId)
          .where('id', '=', s.id)
          .execute();
      } else {
        await trx
          .insertInto('stages')
          .values({
            org_id: actor.orgId,
            id: newId(),
            pipeline_id: pipelineId,
            name: s.name,
            position: i,
            probability: s.probability,
            kind: s.kind,
          })
          .execute();
      }
    }
    if (input.isDefault)
      await trx.updateTable('pipelines').set({ is_default: 0 }).where('org_id', '=', actor.orgId).execute();
    await trx
      .updateTable('pipelines')
      .set({ name: input.name, ...(input.isDefault ? { is_default: 1 as const } : {}) })
      .where('org_id', '=', actor.orgId)
      .where('id', '=', pipelineId)
      .execute();
    await audit(trx, deps, actor, 'pipeline', pipelineId, 'update', {
      name: input.name,
      stages: input.stages.map((s) => s.name),
    });
    return (await loadPipelines(trx, actor.orgId)).find((p) => p.id === pipelineId)!;
  });
}
