import type { FastifyInstance } from 'fastify';
import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Gauge,
  type Metric,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client';
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
  const http = new HttpRequestMetrics([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  for (const metric of http.metrics()) registry.registerMetric(metric as unknown as Metric);
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
    if (route !== '/metrics') http.observe(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
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

interface HttpSeries {
  labels: { method: string; route: string; status: string };
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * `outfield_http_requests_total` (counter) and `outfield_http_request_duration_seconds` (histogram)
 * by method, route pattern and status — the same series prom-client's Counter and Histogram give,
 * counted in plain arrays per (method, route, status). prom-client builds and hashes a label string
 * on every observation (twice per response, about a microsecond); here a response costs one Map
 * lookup by a short key, and the exposition is built only when scraped. Registered in the app's
 * prom-client registry as two metrics whose `get()` answers in prom-client's shape, so the text
 * format and the cluster aggregation (summed per series) are prom-client's own.
 */
export class HttpRequestMetrics {
  private readonly series = new Map<string, HttpSeries>();

  constructor(private readonly bounds: readonly number[]) {}

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let s = this.series.get(key);
    if (s === undefined) {
      s = {
        labels: { method, route, status: String(status) },
        buckets: new Array<number>(this.bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      this.series.set(key, s);
    }
    let i = 0;
    while (i < this.bounds.length && seconds > (this.bounds[i] as number)) i += 1;
    s.buckets[i] = (s.buckets[i] as number) + 1;
    s.sum += seconds;
    s.count += 1;
  }

  /** The two metric objects for a prom-client registry. */
  metrics(): {
    name: string;
    help: string;
    type: string;
    aggregator: string;
    get(): Promise<MetricObjectWithValues<MetricValue<string>>>;
  }[] {
    const all = () => [...this.series.values()];
    const counter = {
      name: 'outfield_http_requests_total',
      help: 'HTTP requests by method, route pattern and status code',
      type: 'counter',
      aggregator: 'sum',
      get: async () =>
        ({
          name: counter.name,
          help: counter.help,
          type: 'counter',
          aggregator: 'sum',
          values: all().map((s) => ({ labels: { ...s.labels }, value: s.count })),
        }) as unknown as MetricObjectWithValues<MetricValue<string>>,
      reset: () => this.series.clear(),
    };
    const histogram = {
      name: 'outfield_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status code',
      type: 'histogram',
      aggregator: 'sum',
      get: async () => {
        const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
        for (const s of all()) {
          let cumulative = 0;
          this.bounds.forEach((bound, i) => {
            cumulative += s.buckets[i] as number;
            values.push({
              labels: { le: bound, ...s.labels },
              value: cumulative,
              metricName: `${histogram.name}_bucket`,
            });
          });
          values.push({
            labels: { le: '+Inf', ...s.labels },
            value: s.count,
            metricName: `${histogram.name}_bucket`,
          });
          values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${histogram.name}_sum` });
          values.push({ labels: { ...s.labels }, value: s.count, metricName: `${histogram.name}_count` });
        }
        return {
          name: histogram.name,
          help: histogram.help,
          type: 'histogram',
          aggregator: 'sum',
          values,
        } as unknown as MetricObjectWithValues<MetricValue<string>>;
      },
      reset: () => this.series.clear(),
    };
    return [counter, histogram];
  }
}
