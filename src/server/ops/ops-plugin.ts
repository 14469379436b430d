import type { FastifyInstance } from 'fastify';
import type { Deps } from '../context.ts';
import { registerPlannerStatsJobs } from '../db/planner-stats.ts';
import { createJobRegistry } from '../jobs/job-registry.ts';
import { createJobRunner, type JobRunner } from '../jobs/job-runner.ts';
import { jobsRoutes } from '../jobs/jobs.routes.ts';
import { registerIdempotencyJobs } from '../lib/idempotency-purge.ts';
import { registerGoalJobs } from '../modules/goals/goals-status-job.ts';
import { registerRollupJobs } from '../modules/metrics/rollups.ts';
import { registerNotificationJobs } from '../modules/notifications/notification-email.ts';
import { notificationsRoutes } from '../modules/notifications/notifications.routes.ts';
import { registerWebhookJobs } from '../modules/webhooks/webhook-delivery.ts';
import { webhooksRoutes } from '../modules/webhooks/webhooks.routes.ts';
import { createMailer } from './mailer.ts';
import { registerMetrics } from './metrics.ts';
import { defaultOpsConfig, type OpsConfig, type OpsDeps } from './ops-config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This instance's background job runner (not started by buildApp; start.ts starts it). */
    jobs: JobRunner;
  }
}

/**
 * Wires the operational features into the app: the job registry and runner (every capability's
 * handlers register here), notification, webhook and job admin routes, and /metrics. The runner is
 * stopped when the app closes: it stops claiming and waits for the jobs in flight.
 */
export function registerOps(
  app: FastifyInstance,
  deps: Deps,
  config: OpsConfig = defaultOpsConfig(),
): JobRunner {
  const mailer = createMailer(config.smtpUrl, config.mailFrom, deps.log);
  const opsDeps: OpsDeps = { ...deps, ops: config, mailer };
  const registry = createJobRegistry();
  registerNotificationJobs(registry);
  registerWebhookJobs(registry);
  registerGoalJobs(registry);
  registerRollupJobs(registry);
  registerIdempotencyJobs(registry);
  registerPlannerStatsJobs(registry);
  const runner = createJobRunner(opsDeps, registry, config.jobs);
  app.decorate('jobs', runner);

  registerMetrics(app, deps.db, config.metricsToken);
  jobsRoutes(app, deps);
  notificationsRoutes(app, { ...deps, emailEnabled: mailer.enabled });
  webhooksRoutes(app, { ...deps, webhookAllowLoopback: config.webhookAllowLoopback });

  // preClose runs before the server stops accepting: claiming stops at once, and jobs in flight
  // finish while the in-flight requests drain.
  app.addHook('preClose', async () => {
    await runner.stop();
  });
  app.addHook('onClose', async () => {
    mailer.close();
  });
  return runner;
}
