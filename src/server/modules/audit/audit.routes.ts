import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../../context.ts';
import { auditPage, auditQuery } from './audit.schemas.ts';
import { listAuditLog } from './audit.service.ts';

export function auditRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/audit',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary: 'Read the org audit log, newest first',
        querystring: auditQuery,
        response: { 200: auditPage },
      },
    },
    async (req) => listAuditLog(deps, req.actor!, req.query),
  );
}
