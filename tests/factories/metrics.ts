import type { Db } from '../../src/server/db/database.ts';
import type { DealStatus, Flag } from '../../src/server/db/schema.ts';
import type { Clock } from '../../src/server/lib/clock.ts';
import { newId } from '../../src/server/lib/ids.ts';
import { ensureDefaultPipeline } from '../../src/server/modules/crm/crm-settings.service.ts';
import { insertActivity, insertDeal, makeAccount } from './crm.ts';

/** A deal as the metric suites seed it: instants as ISO strings, splits as [user, basis points]. */
export interface SeedDeal {
  amount: number;
  status: DealStatus;
  created: string;
  closed?: string;
  split?: [string, number][];
}

/**
 * Raw rows for the suites that pin metric values and their records on a hand-made month, one org,
 * instants given as ISO strings (see `insertActivity` / `insertDeal`: no services, no audit).
 * - `deal`: each deal on a new account of its owner's, in the default pipeline (ensured first), in
 *   the stage of its status (`proposal` when open), named `Deal <end of its id>`; credits synced.
 * - `activity`: an activity with no account, its subject `<kind> at <when>`.
 */
export function isoSeeder(db: Db, clock: Clock, orgId: string) {
  const at = (iso: string) => Date.parse(iso);
  return {
    async deal(ownerId: string, o: SeedDeal): Promise<string> {
      const accountId = await makeAccount(db, clock, orgId, ownerId);
      await ensureDefaultPipeline(db.kysely, orgId, clock.now());
      const id = newId();
      return insertDeal(db, {
        orgId,
        id,
        ownerId,
        accountId,
        name: `Deal ${id.slice(-6)}`,
        nameLower: 'deal',
        amountMinor: o.amount,
        status: o.status,
        closedAt: o.closed ? at(o.closed) : null,
        createdAt: at(o.created),
        splits: o.split,
      });
    },
    async activity(
      ownerId: string,
      kind: string,
      when: string,
      verified: Flag | null = null,
    ): Promise<string> {
      return insertActivity(db, {
        orgId,
        ownerId,
        kind,
        subject: `${kind} at ${when}`,
        occurredAt: at(when),
        verified,
      });
    },
  };
}
