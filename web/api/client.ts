// The one way the UI talks to the API: openapi-fetch typed by the generated paths, the bearer
// token of the session on every request, and every error turned into an ApiError carrying the
// server's {error: {code, message, details}} (a 400 names its fields in details.fields).
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The server's message for each field it refused (a 400's details.fields). */
  get fields(): Record<string, string> {
    return (this.details.fields as Record<string, string> | undefined) ?? {};
  }
}

let token: string | null = null;
let onUnauthorized: () => void = () => {};

/** Set by the session: the token sent, and what to do when the server no longer takes it. */
export function setToken(next: string | null, unauthorized: () => void) {
  token = next;
  onUnauthorized = unauthorized;
}

const auth: Middleware = {
  onRequest({ request }) {
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401 && token) onUnauthorized();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(auth);

function toError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })
    ?.error;
  if (error?.code) return new ApiError(status, error.code, error.message ?? error.code, error.details);
  if (status === 0) return new ApiError(0, 'network', 'The server could not be reached.');
  return new ApiError(status, 'unexpected', `The server answered ${status}.`);
}

/** The reply's data, or an ApiError; a request that never reached the server is one too. */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw toError(0, undefined);
  }
  if (!result.response.ok) throw toError(result.response.status, result.error);
  return result.data as NonNullable<T>;
}

/**
 * A route the generated types do not list yet (it lands with the server's next version): the
 * same headers and error shape, its reply typed by hand in pending.ts until the types are regenerated.
 */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw toError(0, undefined);
  }
  if (response.status === 401 && token) onUnauthorized();
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw toError(response.status, parsed);
  return parsed as T;
}
