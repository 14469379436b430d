import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../../context.ts';
import { AppError } from '../../../lib/errors.ts';
import { reachPrefetch } from '../../../policy/reach.ts';
import { idParam } from '../../identity/identity.schemas.ts';
import {
  dryRunBody,
  dryRunResponse,
  importFieldsResponse,
  importRunResponse,
  startBody,
  uploadQuery,
} from './import.schemas.ts';
import {
  dryRunImport,
  getImport,
  importFieldCatalog,
  importMaxBytes,
  listImports,
  retryImport,
  startImport,
  uploadImport,
} from './import.service.ts';
import { registerImportJobs } from './import-job.ts';

function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function';
}

/**
 * CSV import: upload (raw text/csv body, streamed to disk) → dry run (preview + row errors) →
 * start (a background job) → progress. Any member may import what they may write; owners and
 * accounts outside their reach are row errors.
 */
export function importRoutes(app: FastifyInstance, deps: Deps): void {
  const maxBytes = importMaxBytes();
  registerImportJobs(app.jobs.registry);
  // The body stays a stream: the service writes it to disk and counts bytes against the limit.
  if (!app.hasContentTypeParser('text/csv')) {
    app.addContentTypeParser('text/csv', (_req, payload, done) => done(null, payload));
  }
  const r = app.withTypeProvider<ZodTypeProvider>();
  const write = { permission: 'crm.write' as const };
  const read = { permission: 'crm.read' as const };
  const tags = ['import'];

  r.get(
    '/api/crm/imports/fields',
    {
      config: read,
      schema: {
        tags,
        summary: 'Importable fields per entity and the Salesforce/HubSpot header presets',
        response: { 200: importFieldsResponse },
      },
    },
    async () => importFieldCatalog(),
  );
  r.post(
    '/api/crm/imports',
    {
      config: write,
      schema: {
        tags,
        summary: `Upload a CSV file (Content-Type: text/csv, at most ${Math.floor(maxBytes / 1_048_576)} MB)`,
        querystring: uploadQuery,
        response: { 201: importRunResponse },
      },
    },
    async (req, reply) => {
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > maxBytes)
        throw new AppError(
          413,
          'payload_too_large',
          `The file is larger than the ${Math.floor(maxBytes / 1_048_576)} MB limit`,
          {
            maxBytes,
          },
        );
      if (!isReadable(req.body))
        throw new AppError(
          415,
          'bad_request',
          'Send the file as the request body with Content-Type: text/csv',
        );
      const run = await uploadImport(deps, req.actor!, {
        entity: req.query.entity,
        fileName: req.query.fileName,
        body: req.body,
        maxBytes,
      });
      return reply.code(201).send(run);
    },
  );
  r.get(
    '/api/crm/imports',
    {
      config: read,
      schema: {
        tags,
        summary: 'My imports (admins: all of the org), newest first',
        response: { 200: z.object({ items: z.array(importRunResponse) }) },
      },
    },
    async (req) => listImports(deps, req.actor!),
  );
  r.get(
    '/api/crm/imports/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'One import with its progress (rows processed/total, counts, first row errors)',
        params: idParam,
        response: { 200: importRunResponse },
      },
    },
    async (req) => getImport(deps, req.actor!, req.params.id),
  );
  r.post(
    '/api/crm/imports/:id/dry-run',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Check every row without writing: preview of mapped rows and per-row errors',
        params: idParam,
        body: dryRunBody,
        response: { 200: dryRunResponse },
      },
    },
    async (req) => dryRunImport(deps, req.actor!, await req.reach(), req.params.id, req.body),
  );
  r.post(
    '/api/crm/imports/:id/start',
    {
      config: write,
      schema: {
        tags,
        summary: 'Start the import as a background job (all-or-nothing or skip-bad-rows)',
        params: idParam,
        body: startBody,
        response: { 202: importRunResponse },
      },
    },
    async (req, reply) => reply.code(202).send(await startImport(deps, req.actor!, req.params.id, req.body)),
  );
  r.post(
    '/api/crm/imports/:id/retry',
    {
      config: write,
      schema: {
        tags,
        summary: 'Retry an import that failed because its background job stopped (retryable: true)',
        params: idParam,
        response: { 202: importRunResponse },
      },
    },
    async (req, reply) => reply.code(202).send(await retryImport(deps, req.actor!, req.params.id)),
  );
}
