import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifySchema,
  type FastifyServerOptions,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { AppConfig, Deps } from './context.ts';
import type { Db } from './db/database.ts';
import { type Clock, systemClock } from './lib/clock.ts';
import { readCookie } from './lib/cookies.ts';
import { AppError, forbidden, unauthenticated } from './lib/errors.ts';
import { requestIdGenerator } from './lib/ids.ts';
import { responseSerializerCompiler } from './lib/response-serializer.ts';
import { safeEqual } from './lib/secrets.ts';
import { registerSecurityHeaders } from './lib/security-headers.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { clientConfigRoutes } from './modules/client-config/client-config.routes.ts';
import { crmRoutes } from './modules/crm/crm.routes.ts';
import { goalsRoutes } from './modules/goals/goals.routes.ts';
import { authRoutes, SESSION_COOKIE } from './modules/identity/auth.routes.ts';
import {
  type AuthenticatedSession,
  resolveApiToken,
  resolveApiTokenNow,
  resolveSession,
  resolveSessionNow,
} from './modules/identity/auth.service.ts';
import { identityRoutes } from './modules/identity/identity.routes.ts';
import type { SessionPrefetch } from './modules/identity/session-prefetch.ts';
import { metricsRoutes } from './modules/metrics/metrics.routes.ts';
import { playbooksRoutes } from './modules/playbooks/playbooks.routes.ts';
import { targetsRoutes } from './modules/targets/targets.routes.ts';
import type { OpsConfig } from './ops/ops-config.ts';
import { registerOps } from './ops/ops-plugin.ts';
import { type Actor, type Permission, permissions, type Reach, roleAllows } from './policy/policy.ts';
import { loadReach } from './policy/reach.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a route needs; required on every /api route (checked at registration). */
    permission?: Permission;
    /**
     * PostgreSQL: what the route needs besides the session, computed in the session statement
     * (see SessionPrefetch) or the API token's. SQLite reads it from its cache instead.
     */
    prefetch?: SessionPrefetch<unknown>;
  }
  interface FastifyRequest {
    actor: Actor | null;
    csrfToken: string | null;
    /** The actor's reach in the org chart, loaded at most once per request. */
    reach(): Promise<Reach>;
    /** The reach once loaded (or come with the session); see `reach()`. */
    _reach: Promise<Reach> | null;
  }
}

export interface BuildAppOptions {
  db: Db;
  config: AppConfig;
  clock?: Clock;
  logger?: FastifyServerOptions['logger'];
  trustProxy?: boolean;
  /** Jobs, email, webhooks and metrics settings; defaults suit tests (no SMTP, no metrics token). */
  ops?: OpsConfig;
  /** PostgreSQL: compute routes' `prefetch` in the session statement (default true; tests compare). */
  sessionPrefetch?: boolean;
}

export interface RegisteredRoute {
  method: string;
  url: string;
  permission: Permission | undefined;
  /** The route's input schemas as declared (zod), so test suites can walk and fuzz every route. */
  schema: Pick<FastifySchema, 'params' | 'querystring' | 'body'>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const BODY_LIMIT_BYTES = 1024 * 1024;

function isApiRoute(url: string): boolean {
  return url.startsWith('/api/') && !url.startsWith('/api/docs');
}

/**
 * The path of the first string (value or key) holding a NUL character, or null. PostgreSQL text
 * cannot store NUL (the insert or even the lookup failed with a 500), and no field needs one.
 */
function isPlainObject(value: object): boolean {
  // (The query-string and router objects are built on a null-prototype prototype.)
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
}

/** No enumerable key (own or inherited): nothing findNul would visit. */
function isEmptyObject(value: object): boolean {
  for (const _ in value) return false;
  return true;
}

interface NulWalk {
  value: unknown;
  key: string;
  parent: NulWalk | null;
}

function nulPath(node: NulWalk): string {
  const keys: string[] = [];
  for (let n: NulWalk | null = node; n?.parent; n = n.parent) keys.push(n.key || '""'); // (as for unknown keys)
  return keys.reverse().join('.');
}

/**
 * Walks the whole input once (iteratively: bodies may nest thousands deep); paths are spelled out
 * only for the string that holds a NUL, so a clean request costs one visit per value.
 */
export function findNul(input: unknown): string | null {
  // Most requests carry no input at all (a GET without parameters): no walk, no allocation.
  if (input === undefined || input === null || (typeof input === 'object' && isEmptyObject(input)))
    return null;
  const stack: NulWalk[] = [{ value: input, key: '', parent: null }];
  while (stack.length > 0) {
    const node = stack.pop() as NulWalk;
    const value = node.value;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return nulPath(node);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], key: String(i), parent: node });
    } else if (value !== null && typeof value === 'object' && isPlainObject(value)) {
      for (const key of Object.keys(value)) {
        const child = { value: (value as Record<string, unknown>)[key], key, parent: node };
        if (key.includes('\u0000')) return nulPath(child);
        stack.push(child);
      }
    }
  }
  return null;
}

/** The 400 for a NUL anywhere in one part of the input, or undefined when it has none. */
function nulError(where: 'params' | 'querystring' | 'body', part: unknown): AppError | undefined {
  const path = findNul(part);
  if (path === null) return undefined;
  const message = 'must not contain a NUL character';
  return new AppError(400, 'validation_failed', `${where} ${path || '(root)'}: ${message}`, {
    fields: [{ path, in: where, message }],
  });
}

/**
 * Whether a browser says a request comes from another site: an `Origin` whose host is neither the
 * host the request was sent to nor PUBLIC_URL's (an opaque "null" origin included), or
 * `Sec-Fetch-Site: cross-site`. Clients that send neither (curl, scripts) are judged by the CSRF
 * token alone.
 */
export function isCrossSite(
  origin: string | undefined,
  fetchSite: string | string[] | undefined,
  host: string,
  publicUrl: string | undefined,
): boolean {
  if (fetchSite === 'cross-site') return true;
  if (origin === undefined) return false;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return true;
  }
  if (originHost === '' || origin === 'null') return true;
  const bare = (h: string) => h.toLowerCase().replace(/:(80|443)$/, '');
  if (bare(originHost) === bare(host)) return false;
  return publicUrl === undefined || bare(new URL(publicUrl).host) !== bare(originHost);
}

function sendUnreadableUrl(error: FastifyError, reply: FastifyReply): FastifyReply {
  const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 400;
  const message = error.code === 'FST_ERR_BAD_URL' ? 'The URL is not valid' : error.message;
  return reply.code(status).send({
    error: { code: 'bad_request', message, details: { fields: [{ path: '', in: 'params', message }] } },
  });
}

/**
 * Builds the whole HTTP app (tests import this). Request flow: onRequest authenticates (session
 * cookie or Bearer token) and enforces CSRF and the route's permission; zod validates the input;
 * the handler calls a service; the one error handler shapes every failure.
 */
export async function buildApp(
  options: BuildAppOptions,
): Promise<FastifyInstance & { routeList: RegisteredRoute[] }> {
  const nextRequestId = requestIdGenerator();
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Trust the one proxy in front (the X-Forwarded-For entry it appended, its X-Forwarded-Proto),
    // never addresses a client wrote further left: those would let anyone pick the IP that the
    // login limits count (`true` in Fastify trusts every hop).
    trustProxy: options.trustProxy === true ? (_addr: string, hop: number) => hop === 0 : false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{1,100}$/.test(incoming) ? incoming : nextRequestId();
    },
    ajv: { customOptions: { removeAdditional: false } },
    // URLs the router cannot read (a malformed %-escape, an over-long path parameter) answer in the
    // same error shape as everything else instead of Fastify's own.
    frameworkErrors: (error, _req, reply) => sendUnreadableUrl(error, reply as FastifyReply),
  }).withTypeProvider<ZodTypeProvider>();
  const deps: Deps = {
    db: options.db,
    clock: options.clock ?? systemClock,
    config: options.config,
    log: app.log,
  };

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);

  /**
   * The onRequest hook of an /api route needing `permission`: authenticates from
   * `Authorization: Bearer ofp_…` or the session cookie, checks CSRF on cookie writes, then the
   * permission (401/403). Callback style: when the session or token lookup can answer at once (SQLite
   * outside a transaction, nothing to write) the request goes on without a promise in between;
   * otherwise it waits for the full lookup (PostgreSQL, or a session to touch or delete).
   */
  const authenticate =
    (permission: Permission, prefetch: SessionPrefetch<unknown> | undefined) =>
    (req: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
      const auth = req.headers.authorization;
      if (auth?.startsWith('Bearer ')) {
        const token = auth.slice('Bearer '.length).trim();
        const now = resolveApiTokenNow(deps, token);
        if (now !== undefined) done(admit(req, permission, now, 'token'));
        else
          resolveApiToken(deps, token, prefetch)
            .then((resolved) => admit(req, permission, resolved, 'token', prefetch))
            .then(done, done);
        return;
      }
      const token = readCookie(req.headers.cookie, SESSION_COOKIE);
      const now = token ? resolveSessionNow(deps, token) : null;
      if (now !== undefined || !token) done(admit(req, permission, now ?? null, 'cookie'));
      else
        resolveSession(deps, token, prefetch)
          .then((resolved) => admit(req, permission, resolved, 'cookie', prefetch))
          .then(done, done);
    };

  /** Sets the actor from what authenticated the request and says why it may not go on, if so. */
  const admit = (
    req: FastifyRequest,
    permission: Permission,
    resolved: AuthenticatedSession | null,
    via: 'token' | 'cookie',
    prefetch?: SessionPrefetch<unknown>,
  ): AppError | undefined => {
    if (resolved) {
      const a = resolved.actor;
      // Field by field (not a spread): one object shape for every request's actor.
      req.actor = {
        userId: a.userId,
        orgId: a.orgId,
        role: a.role,
        sessionId: a.sessionId,
        tokenId: a.tokenId,
        requestId: req.id,
      };
      req.csrfToken = resolved.csrfToken;
      if (prefetch !== undefined && resolved.prefetched !== undefined) {
        const kept = prefetch.keep(req.actor, resolved.prefetched);
        if (kept.reach !== undefined) req._reach = Promise.resolve(kept.reach);
      }
    } else if (via === 'token' && permission !== 'public') {
      return new AppError(401, 'unauthenticated', 'The API token is invalid, expired or revoked');
    }
    if (permission === 'public') return undefined;
    if (!req.actor) return unauthenticated();
    // Cookies ride along on cross-site requests; a write must prove it came from our own page.
    if (via === 'cookie' && !SAFE_METHODS.has(req.method)) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !req.csrfToken || !safeEqual(sent, req.csrfToken)) {
        return new AppError(403, 'csrf_failed', 'Missing or invalid x-csrf-token header');
      }
      // Defence in depth: a browser names where a write comes from; refuse other sites outright.
      if (
        isCrossSite(req.headers.origin, req.headers['sec-fetch-site'], req.host, options.config.publicUrl)
      ) {
        return new AppError(403, 'csrf_failed', 'Cross-origin writes are refused');
      }
    }
    return roleAllows(req.actor.role, permission) ? undefined : forbidden();
  };

  const routeList: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const permission = route.config?.permission;
    // Only PostgreSQL pays a round trip per statement; SQLite reads from its cache at once.
    const prefetch =
      options.db.engine === 'postgres' && options.sessionPrefetch !== false
        ? route.config?.prefetch
        : undefined;
    if (isApiRoute(route.url) && (permission === undefined || !permissions.includes(permission))) {
      throw new Error(`Route ${methods.join(',')} ${route.url} declares no permission`);
    }
    for (const method of methods) {
      if (method === 'HEAD') continue;
      const { params, querystring, body } = route.schema ?? {};
      routeList.push({ method, url: route.url, permission, schema: { params, querystring, body } });
    }
    // Authentication, CSRF and the permission check run as the route's own first onRequest hook,
    // built for its permission: nothing to look up per request, and nothing at all for routes
    // outside /api (static files, health checks, the API docs).
    if (route.url.startsWith('/api/') && permission !== undefined) {
      const own = route.onRequest;
      route.onRequest = [
        authenticate(permission, prefetch),
        ...(own === undefined ? [] : Array.isArray(own) ? own : [own]),
      ];
    }
  });

  registerSecurityHeaders(
    app,
    {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // Mantine sets style attributes at run time; scripts stay strict.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:', 'https:'],
          connectSrc: ["'self'"],
          // The service worker (/sw.js) that keeps the app shell for offline use.
          workerSrc: ["'self'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: null,
        },
      },
      hsts: false,
    },
    isApiRoute,
  );

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Outfield API',
        version: '0.1.0',
        description:
          'JSON REST API of Outfield. Authenticate with the session cookie from POST /api/auth/login (send x-csrf-token on writes) or a personal API token as `Authorization: Bearer ofp_…`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  app.decorateRequest('actor', null);
  app.decorateRequest('csrfToken', null);
  app.decorateRequest('_reach', null);
  app.decorateRequest('reach', async function (this: FastifyRequest) {
    if (!this.actor) throw unauthenticated();
    this._reach ??= loadReach(deps.db.kysely, this.actor);
    return this._reach;
  });

  // Sync (no promise per request); a clean request without input costs three checks.
  app.addHook('preValidation', (req, _reply, done) => {
    done(nulError('params', req.params) ?? nulError('querystring', req.query) ?? nulError('body', req.body));
  });

  app.setErrorHandler((error, req, reply) => {
    if (error instanceof AppError) {
      if (error.headers) reply.headers(error.headers);
      return reply
        .code(error.status)
        .send({ error: { code: error.code, message: error.message, details: error.details } });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const fields = error.validation.flatMap((v) => {
        const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
        // zod reports unknown keys on the object that holds them: name each key instead (an empty
        // key is written "" so that it cannot read as the root marker).
        const keys = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: unknown }).keys : undefined;
        if (Array.isArray(keys) && keys.length > 0) {
          return keys.map((key) => ({
            path: [path, String(key) || '""'].filter(Boolean).join('.'),
            in: where,
            message: 'is not a known field',
          }));
        }
        return [{ path, in: where, message: v.message ?? 'is invalid' }];
      });
      const first = fields[0];
      return reply.code(400).send({
        error: {
          code: 'validation_failed',
          message: first ? `${first.in} ${first.path || '(root)'}: ${first.message}` : 'Invalid input',
          details: { fields },
        },
      });
    }
    const fastifyError = error as { statusCode?: number; code?: string; message?: string };
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({
        error: { code: 'payload_too_large', message: `Request body exceeds ${BODY_LIMIT_BYTES} bytes` },
      });
    }
    const status = fastifyError.statusCode;
    if (status && status >= 400 && status < 500) {
      const message = fastifyError.message ?? 'Bad request';
      // A 400 from here is a body the parser refused as a whole (not JSON, empty, a __proto__ key):
      // the empty path is the root marker, as for a body that is not an object.
      const details = status === 400 ? { fields: [{ path: '', in: 'body', message }] } : undefined;
      return reply.code(status).send({ error: { code: 'bad_request', message, details } });
    }
    req.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({
      error: { code: 'internal', message: 'Something went wrong; the request id is in x-request-id' },
    });
  });

  const r = app;
  r.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  r.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await sql`select 1`.execute(deps.db.kysely);
      return { status: 'ready', database: deps.db.engine };
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: deps.db.engine });
    }
  });
  r.get('/api/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  registerOps(app, deps, options.ops);
  authRoutes(app, deps);
  identityRoutes(app, deps);
  auditRoutes(app, deps);
  clientConfigRoutes(app, deps);
  crmRoutes(app, deps);
  metricsRoutes(app, deps);
  targetsRoutes(app, deps);
  playbooksRoutes(app, deps);
  goalsRoutes(app, deps);

  const webRoot = options.config.webRoot;
  const hasWeb = webRoot !== undefined && existsSync(join(webRoot, 'index.html'));
  if (hasWeb) {
    // wildcard: files are looked up per request, so a rebuilt bundle is served without a restart;
    // a missing file falls through to the not-found handler (SPA index or JSON 404 under /api).
    await app.register(fastifyStatic, { root: webRoot, wildcard: true, index: false });
    // The wildcard would answer "/" with a directory error: the app's root is the SPA page.
    app.get('/', { schema: { hide: true } }, (_req, reply) => reply.type('text/html').sendFile('index.html'));
  }
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !req.url.startsWith('/api/') && hasWeb) {
      return reply.type('text/html').sendFile('index.html');
    }
    return reply
      .code(404)
      .send({ error: { code: 'not_found', message: `No route ${req.method} ${req.url.split('?')[0]}` } });
  });

  return Object.assign(app, { routeList });
}
