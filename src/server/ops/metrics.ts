import type { FastifyInstance } from 'fastify';
import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { inClusterWorker, requestClusterMetrics } from '../cluster-ipc.ts';
import type { Db } from '../db/database.ts';
import { countJobsByState } from '../jobs/job-queue.ts';
import { safeEqual } from '../lib/secrets.ts';

/**
 * Prometheus metrics of one app instance, in its own registry (tests build many apps per process).
 * Routes are labelled by their pattern (/api/users/:id), never the raw URL, so label cardinality
 * stays bounded; unmatched URLs share one label.
 *
 * In a cluster worker (OUTFIELD_WORKERS > 1) a scrape reports the whole server: the worker asks the
 * primary, which aggregates every worker's registry (src/server/cluster-ipc.ts); counters and
 * histograms are summed, the shared job-queue gauge is taken from one worker.
 */
export function registerMetrics(app: FastifyInstance, db: Db, token: string | undefined): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'outfield_http_requests_total',
    help: 'HTTP requests by method, route pattern and status code',
    labelNames,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'outfield_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'outfield_jobs',
    help: 'Background jobs in the queue by state (all instances share the queue)',
    labelNames: ['state'],
    registers: [registry],
    // Every worker reads the same queue: summing them would count each job once per worker.
    aggregator: 'first',
    async collect() {
      const counts = await countJobsByState(db.kysely, null);
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  if (db.pool) {
    const pool = db.pool;
    new Gauge({
      name: 'outfield_db_pool_connections',
      help: 'PostgreSQL pool connections of this instance: total, idle, and clients waiting for one',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        this.set({ kind: 'total' }, pool.totalCount);
        this.set({ kind: 'idle' }, pool.idleCount);
        this.set({ kind: 'waiting' }, pool.waitingCount);
      },
    });
  }

  const clustered = inClusterWorker();
  if (clustered) {
    // The registry the primary's aggregation asks this worker for (one app per worker process).
    AggregatorRegistry.setRegistries([registry]);
    new AggregatorRegistry();
  }

  // Synchronous: an async hook would cost a promise and a microtask on every response.
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    if (route !== '/metrics') {
      const labels = { method: req.method, route, status: String(reply.statusCode) };
      requests.inc(labels);
      latency.observe(labels, reply.elapsedTime / 1000);
    }
    done();
  });

  // Protected by a bearer token (METRICS_TOKEN), not by binding: the app's one port serves the
  // load balancer too. Without a token configured the endpoint does not exist (404).
  app.get('/metrics', { config: { permission: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const auth = req.headers.authorization ?? '';
    if (!token)
      return reply.code(404).send({ error: { code: 'not_found', message: 'No route GET /metrics' } });
    if (!auth.startsWith('Bearer ') || !safeEqual(auth.slice('Bearer '.length).trim(), token)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: { code: 'unauthenticated', message: 'A valid metrics bearer token is required' } });
    }
    const text = clustered ? await requestClusterMetrics() : await registry.metrics();
    reply.type(registry.contentType);
    return text;
  });
  return registry;
}
