import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The headers helmet sets for `options`, computed once. helmet's middleware (and @fastify/helmet,
 * which rebuilds it on every request) parses and validates the whole policy each time; our policy
 * is static (no per-request nonces), so its headers are the same for every response.
 */
export function securityHeaders(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const csp = options.contentSecurityPolicy;
  const directives = typeof csp === 'object' ? csp.directives : undefined;
  for (const [name, value] of Object.entries(directives ?? {})) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'function')) {
      throw new Error(`CSP directive ${name} is computed per request; securityHeaders needs static ones`);
    }
  }
  const headers: Record<string, string> = {};
  const capture = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, capture as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}

/**
 * The headers of a JSON API response (OWASP REST security): it is never rendered as a page, so it
 * allows nothing at all to load or frame it, and the browser must not sniff it into HTML. Fewer
 * headers than a page's, because each one costs validation and bytes on every API call.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
});

/**
 * Sends security headers on every response (errors and 404s included): the API set under `/api/`
 * (except the HTML API docs), and helmet's page headers for `options` everywhere else; and the
 * request id as `x-request-id`. One synchronous hook: it runs before anything else of a request.
 */
export function registerSecurityHeaders(
  app: FastifyInstance,
  options: Readonly<HelmetOptions>,
  isApi: (url: string) => boolean,
): void {
  const pageHeaders = securityHeaders(options);
  app.addHook('onRequest', (req, reply, done) => {
    reply.headers(isApi(req.url) ? API_SECURITY_HEADERS : pageHeaders);
    reply.header('x-request-id', req.id);
    done();
  });
}
