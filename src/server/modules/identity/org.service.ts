import type { z } from 'zod';
import type { Deps } from '../../context.ts';
import { notFound } from '../../lib/errors.ts';
import { type Actor, assertRole } from '../../policy/policy.ts';
import { audit, diff } from '../audit/audit.service.ts';
import { rollupsAfterTimeZoneChange } from '../metrics/rollups.ts';
import { findOrg } from './identity.repository.ts';
import { type OrgResponse, type orgUpdateBody, toOrgResponse } from './identity.schemas.ts';

export async function getOrg(deps: Deps, actor: Actor): Promise<OrgResponse> {
  const org = await findOrg(deps.db.kysely, actor.orgId);
  if (!org) throw notFound('Organization');
  return toOrgResponse(org);
}

export async function updateOrg(
  deps: Deps,
  actor: Actor,
  input: z.infer<typeof orgUpdateBody>,
): Promise<OrgResponse> {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    const before = await findOrg(trx, actor.orgId);
    if (!before) throw notFound('Organization');
    const next = {
      name: input.name ?? before.name,
      currency: input.currency ?? before.currency,
      time_zone: input.timeZone ?? before.time_zone,
      fiscal_year_start_month: input.fiscalYearStartMonth ?? before.fiscal_year_start_month,
    };
    await trx
      .updateTable('orgs')
      .set({ ...next, updated_at: deps.clock.now() })
      .where('id', '=', actor.orgId)
      .execute();
    if (next.time_zone !== before.time_zone) await rollupsAfterTimeZoneChange(trx, deps, actor.orgId);
    await audit(trx, deps, actor, 'org', actor.orgId, 'update', diff(toOrgResponse(before), input));
    return toOrgResponse({ id: before.id, ...next });
  });
}
