import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../../context.ts';
import { reachPrefetch } from '../../../policy/reach.ts';
import { accountListQuery, activityListQuery, contactListQuery, dealListQuery } from '../crm.schemas.ts';
import { type ExportEntity, type ExportQuery, exportRecords, exportStream } from './export.service.ts';

const format = { format: z.enum(['csv', 'json']).default('csv') };
const queries = {
  accounts: accountListQuery.omit({ cursor: true, limit: true }).extend(format),
  contacts: contactListQuery.omit({ cursor: true, limit: true }).extend(format),
  deals: dealListQuery.omit({ cursor: true, limit: true }).extend(format),
  activities: activityListQuery.omit({ cursor: true, limit: true }).extend(format),
};

/**
 * GET /api/crm/<entity>/export: the whole filtered list as CSV or JSON, streamed page by page with
 * the list endpoint's filters and visibility.
 */
export function exportRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  for (const entity of Object.keys(queries) as ExportEntity[]) {
    r.get(
      `/api/crm/${entity}/export`,
      {
        config: { permission: 'crm.read', prefetch: reachPrefetch },
        schema: {
          tags: ['export'],
          summary: `Export the ${entity} I can see (same filters as the list) as CSV (RFC 4180) or JSON`,
          querystring: queries[entity],
        },
      },
      async (req, reply) => {
        const { format: f, ...query } = req.query as z.infer<(typeof queries)[typeof entity]>;
        const spec = { entity, query } as ExportQuery;
        const records = exportRecords(deps, req.actor!, await req.reach(), spec);
        const day = new Date(deps.clock.now()).toISOString().slice(0, 10);
        return reply
          .header('content-type', f === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="${entity}-${day}.${f}"`)
          .header('cache-control', 'no-store')
          .send(exportStream(records, entity, f));
      },
    );
  }
}
