/** A minimal HTTP client over fetch, holding one user's session like a browser. */

export interface HttpAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

export class NetworkError extends Error {}

export interface ClientSession {
  cookie: string;
  csrfToken: string;
  userId: string;
}

export async function login(
  baseUrl: string,
  email: string,
  password: string,
  forwardedFor?: string,
): Promise<ClientSession> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('outfield_session='));
  if (!cookie) throw new Error('no session cookie');
  const body = (await res.json()) as { csrfToken: string; user: { id: string } };
  return { cookie, csrfToken: body.csrfToken, userId: body.user.id };
}

/**
 * Sends one request with the session. A dropped connection or a timeout (the server was killed)
 * is a NetworkError: the request is unacknowledged and the caller sends it again later.
 */
export async function send(
  baseUrl: string,
  session: ClientSession,
  method: string,
  path: string,
  options: { json?: unknown; csv?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {
    cookie: session.cookie,
    'x-csrf-token': session.csrfToken,
    ...options.headers,
  };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.csv !== undefined) {
    headers['content-type'] = 'text/csv';
    body = options.csv;
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    text = await res.text();
  } catch (error) {
    throw new NetworkError(error instanceof Error ? error.message : String(error));
  }
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
