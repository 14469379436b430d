import type { z } from 'zod';
import type { Deps } from '../../context.ts';
import { fromFlag, toFlag } from '../../db/database.ts';
import { conflict, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { type Actor, assertRole } from '../../policy/policy.ts';
import { audit } from '../audit/audit.service.ts';
import {
  deleteObjectiveRow,
  findObjective,
  insertObjective,
  listObjectives,
  objectiveInUse,
  updateObjectiveRow,
} from './goals.repository.ts';
import type { objectiveBody, objectiveUpdateBody } from './goals.schemas.ts';

/** Org objectives: what goals support. Everyone reads them; admins keep them. */
function toObjectiveResponse(row: NonNullable<Awaited<ReturnType<typeof findObjective>>>) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    active: fromFlag(row.active),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export async function listOrgObjectives(deps: Deps, actor: Actor) {
  return { items: (await listObjectives(deps.db.kysely, actor.orgId)).map(toObjectiveResponse) };
}

export async function createObjective(deps: Deps, actor: Actor, input: z.infer<typeof objectiveBody>) {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const id = newId();
    await insertObjective(trx, {
      org_id: actor.orgId,
      id,
      title: input.title,
      description: input.description ?? '',
      active: toFlag(input.active ?? true),
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    });
    await audit(trx, deps, actor, 'objective', id, 'create', { title: input.title });
    return toObjectiveResponse((await findObjective(trx, actor.orgId, id))!);
  });
}

export async function updateObjective(
  deps: Deps,
  actor: Actor,
  objectiveId: string,
  input: z.infer<typeof objectiveUpdateBody>,
) {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    const before = await findObjective(trx, actor.orgId, objectiveId);
    if (!before) throw notFound('Objective');
    await updateObjectiveRow(trx, actor.orgId, objectiveId, {
      title: input.title,
      description: input.description,
      active: input.active === undefined ? undefined : toFlag(input.active),
      updated_at: deps.clock.now(),
    });
    await audit(trx, deps, actor, 'objective', objectiveId, 'update', { ...input });
    return toObjectiveResponse((await findObjective(trx, actor.orgId, objectiveId))!);
  });
}

/** Deletes an objective nothing supports; one in use is deactivated instead (409 says so). */
export async function deleteObjective(deps: Deps, actor: Actor, objectiveId: string): Promise<void> {
  assertRole(actor, 'admin');
  await deps.db.kysely.transaction().execute(async (trx) => {
    const before = await findObjective(trx, actor.orgId, objectiveId);
    if (!before) throw notFound('Objective');
    if (await objectiveInUse(trx, actor.orgId, objectiveId))
      throw conflict('Goals support this objective; deactivate it instead');
    await deleteObjectiveRow(trx, actor.orgId, objectiveId);
    await audit(trx, deps, actor, 'objective', objectiveId, 'delete', { title: before.title });
  });
}
