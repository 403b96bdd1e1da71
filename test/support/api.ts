// Small helpers to drive the API the way a client does.
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

let sequence = 0;

export interface TestUser {
  id: number;
  email: string;
  password: string;
  token: string;
  handle: string;
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** Requests under /api/v1 as `user` (anonymous without one); `app` is read at each call, so it may be rebuilt. */
export const caller =
  (app: () => FastifyInstance) => (method: string, url: string, user?: TestUser, payload?: unknown) =>
    app().inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: user ? auth(user.token) : {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

export function newAccountBody(overrides: Record<string, unknown> = {}) {
  const n = `${process.pid}_${sequence++}_${Math.random().toString(36).slice(2, 8)}`;
  return {
    email: `user_${n}@example.com`,
    password: 'a long enough password',
    name: `Test User ${n}`,
    birthdate: '1990-05-17',
    ...overrides,
  };
}

/** Signs up and signs in a new user. */
export async function signUp(
  app: FastifyInstance,
  overrides: Record<string, unknown> = {},
): Promise<TestUser> {
  const body = newAccountBody(overrides);
  const created = await app.inject({ method: 'POST', url: '/api/v1/accounts', payload: body });
  expect(created.statusCode, created.body).toBe(201);
  const session = await app.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    payload: { email: body.email, password: body.password },
  });
  expect(session.statusCode, session.body).toBe(201);
  return {
    id: created.json().id,
    handle: created.json().handle,
    email: body.email,
    password: body.password,
    token: session.json().token,
  };
}
