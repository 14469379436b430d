import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  seconds: number;
  connections: number;
  headers?: Record<string, string>;
  /** When set, every response body must equal it. */
  expectBody?: string;
}

export interface LoadResult {
  /** Mean completed requests per second over the run. */
  reqPerSec: number;
  total: number;
  /** Responses that were not 2xx, bodies that differed, socket errors and timeouts. */
  failures: { non2xx: number; mismatches: number; errors: number; timeouts: number };
  statusCodes: Record<string, number>;
}

/**
 * Fires GET requests with autocannon (pipelining 1) from a worker thread, so the load generator
 * does not compete with the servers under test for this thread's event loop.
 */
export async function fireLoad(options: LoadOptions): Promise<LoadResult> {
  const r = await autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    duration: options.seconds,
    workers: 1,
    headers: options.headers,
    expectBody: options.expectBody,
  });
  return {
    reqPerSec: r.requests.average,
    total: r.requests.total,
    failures: { non2xx: r.non2xx, mismatches: r.mismatches, errors: r.errors, timeouts: r.timeouts },
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count])),
  };
}

/** Throws unless every request got a 2xx answer (and the expected body), naming what went wrong. */
export function assertAllOk(side: string, result: LoadResult): void {
  const { non2xx, mismatches, errors, timeouts } = result.failures;
  if (result.total === 0) throw new Error(`${side}: no request completed`);
  if (non2xx + mismatches + errors + timeouts > 0) {
    throw new Error(
      `${side}: ${non2xx} non-2xx, ${mismatches} unexpected bodies, ${errors} errors, ${timeouts} timeouts ` +
        `of ${result.total} (status codes ${JSON.stringify(result.statusCodes)})`,
    );
  }
}
