import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../context.ts';

export const clientConfigResponse = z.object({
  map: z.object({
    tileUrl: z
      .string()
      .nullable()
      .describe('Leaflet tile URL template ({z}/{x}/{y}); null: show the location without map tiles'),
    attribution: z.string().nullable(),
  }),
});
export type ClientConfig = z.infer<typeof clientConfigResponse>;

/**
 * GET /api/config: server settings the web app needs (the map tile source). Signed-in users only:
 * a tile URL may carry a provider key.
 */
export function clientConfigRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/config',
    {
      config: { permission: 'authenticated' },
      schema: {
        tags: ['config'],
        summary: 'Settings of this server the web app reads (map tiles)',
        response: { 200: clientConfigResponse },
      },
    },
    async (): Promise<ClientConfig> => ({
      map: {
        tileUrl: deps.config.mapTileUrl ?? null,
        attribution: deps.config.mapTileAttribution ?? null,
      },
    }),
  );
}
