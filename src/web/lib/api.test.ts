import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, apiGet, apiPost, buildQuery, setCsrfToken } from './api.ts';

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(null);
});

function stubFetch(response: Response) {
  const fetchMock = vi.fn<typeof fetch>().mockResolvedValue(response);
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

describe('buildQuery', () => {
  it('leaves out empty values and encodes the rest', () => {
    expect(
      buildQuery({ q: 'a b', role: null, teamId: undefined, cursor: '', limit: 50, active: false }),
    ).toBe('?q=a+b&limit=50&active=false');
    expect(buildQuery({})).toBe('');
  });
});

describe('API calls', () => {
  it('send the CSRF token on writes but not on reads', async () => {
    setCsrfToken('tok');
    const fetchMock = stubFetch(new Response(null, { status: 204 }));
    await apiPost('/api/auth/logout');
    await apiGet('/api/me');
    const writeInit = fetchMock.mock.calls[0]?.[1] ?? {};
    const readInit = fetchMock.mock.calls[1]?.[1] ?? {};
    expect(new Headers(writeInit.headers).get('x-csrf-token')).toBe('tok');
    expect(new Headers(readInit.headers).get('x-csrf-token')).toBeNull();
    expect(writeInit.credentials).toBe('same-origin');
  });

  it('turn an error body into an ApiError with its code, field problems and Retry-After', async () => {
    stubFetch(
      new Response(
        JSON.stringify({
          error: {
            code: 'validation_failed',
            message: 'body email: must be a valid email address',
            details: { fields: [{ path: 'email', message: 'must be a valid email address' }] },
          },
        }),
        { status: 400, headers: { 'content-type': 'application/json', 'retry-after': '7' } },
      ),
    );
    const error = await apiPost('/api/users', {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: 'validation_failed',
      fields: [{ path: 'email', message: 'must be a valid email address' }],
      retryAfter: 7,
    });
  });

  it('report a non-JSON failure by its status', async () => {
    stubFetch(new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(apiGet('/api/me')).rejects.toMatchObject({ status: 502, code: 'http_502' });
  });
});
