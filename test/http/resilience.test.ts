// Rate limits, and sessions that survive a restart and a cache outage.
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { auth, newAccountBody, signUp } from '../support/api.ts';
import { buildTestApp, testEnv } from '../support/app.ts';
import { freePort, hasRedisServer, startRedis, stopRedis as stop } from '../support/redis-server.ts';

describe('rate limits', async () => {
  const { app } = await buildTestApp({
    env: {
      RATE_LIMIT_SIGNUP_PER_ADDRESS: '3/1h',
      RATE_LIMIT_LOGIN_PER_ADDRESS: '8/1h',
      RATE_LIMIT_FAILED_LOGIN_PER_EMAIL_AND_ADDRESS: '3/15m',
      RATE_LIMIT_FAILED_LOGIN_PER_EMAIL: '5/1h',
      RATE_LIMIT_WRITES_PER_USER: '3/5m',
    },
  });
  const signUpFrom = (remoteAddress: string) =>
    app.inject({ method: 'POST', url: '/api/v1/accounts', payload: newAccountBody(), remoteAddress });
  const logIn = (email: string, password: string, remoteAddress: string) =>
    app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { email, password }, remoteAddress });

  it('limits sign-ups per client address, with Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await signUpFrom('10.1.0.1')).statusCode).toBe(201);
    const limited = await signUpFrom('10.1.0.1');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3000);
    expect(limited.json().error.code).toBe('rate_limited');
    expect((await signUpFrom('10.1.0.2')).statusCode).toBe(201);
  });

  it('limits failed log-ins per email and address, then per email from all addresses', async () => {
    const body = newAccountBody();
    await app.inject({ method: 'POST', url: '/api/v1/accounts', payload: body, remoteAddress: '10.2.0.9' });
    for (let i = 0; i < 3; i++)
      expect((await logIn(body.email, 'wrong password', '10.2.0.1')).statusCode).toBe(401);
    // Locked for this address, even with the right password...
    expect((await logIn(body.email, body.password, '10.2.0.1')).statusCode).toBe(429);
    // ...but not from another one: nobody can lock a victim out from one address.
    expect((await logIn(body.email, body.password, '10.2.0.2')).statusCode).toBe(201);
    // Distributed guessing: failures from many addresses add up per email.
    expect((await logIn(body.email, 'wrong password', '10.2.0.3')).statusCode).toBe(401);
    expect((await logIn(body.email, 'wrong password', '10.2.0.4')).statusCode).toBe(401);
    expect((await logIn(body.email, body.password, '10.2.0.5')).statusCode).toBe(429);
  });

  it('limits log-ins per client address', async () => {
    const body = newAccountBody();
    await app.inject({ method: 'POST', url: '/api/v1/accounts', payload: body, remoteAddress: '10.3.0.9' });
    for (let i = 0; i < 8; i++)
      expect((await logIn(body.email, body.password, '10.3.0.1')).statusCode).toBe(201);
    expect((await logIn(body.email, body.password, '10.3.0.1')).statusCode).toBe(429);
  });

  it('limits writes per user', async () => {
    const body = newAccountBody();
    await app.inject({ method: 'POST', url: '/api/v1/accounts', payload: body, remoteAddress: '10.4.0.9' });
    const { token } = (await logIn(body.email, body.password, '10.4.0.1')).json();
    const patch = () =>
      app.inject({ method: 'PATCH', url: '/api/v1/me', headers: auth(token), payload: { bio: 'again' } });
    for (let i = 0; i < 3; i++) expect((await patch()).statusCode).toBe(200);
    const limited = await patch();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    // Reads are not writes.
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: auth(token) })).statusCode).toBe(
      200,
    );
  });
});

describe('sessions of record', () => {
  it('survive a restart of the platform', async () => {
    const env = await testEnv();
    const first = await buildApp(loadConfig(env));
    const user = await signUp(first.app);
    await first.app.close();
    const second = await buildApp(loadConfig(env));
    try {
      const me = await second.app.inject({ method: 'GET', url: '/api/v1/me', headers: auth(user.token) });
      expect(me.statusCode).toBe(200);
      expect(me.json().id).toBe(user.id);
    } finally {
      await second.app.close();
    }
  });

  it('work with the cache unreachable from the start, and /healthz names the cache', async () => {
    // Port 1 on loopback: nothing listens there, so every cache call fails at once.
    const { app } = await buildTestApp({
      env: { REDIS_URL: 'redis://127.0.0.1:1', CACHE_STORE: 'redis', JOBS_STORE: 'pglite' },
    });
    const user = await signUp(app);
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/me', headers: auth(user.token) })).statusCode,
    ).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/api/v1/users/${user.id}` })).statusCode).toBe(200);
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({
      status: 'unavailable',
      failing: ['cache'],
      roles: { accounts: { ok: true }, cache: { engine: 'redis', ok: false } },
    });
  });
});

// A Redis of this test's own, so that it can be stopped in the middle of a session.
describe.skipIf(!hasRedisServer)(
  `sessions when the cache goes down mid-session${hasRedisServer ? '' : ' [SKIPPED: no redis-server binary on this machine]'}`,
  () => {
    let redis: ChildProcess | undefined;
    afterAll(async () => {
      if (redis && redis.exitCode === null) await stop(redis);
    });

    it('keep everyone signed in, and ending a session still works', async () => {
      const port = await freePort();
      redis = await startRedis(port);
      const { app } = await buildTestApp({
        env: { REDIS_URL: `redis://127.0.0.1:${port}`, CACHE_STORE: 'redis', JOBS_STORE: 'pglite' },
      });
      const user = await signUp(app);
      const other = (
        await app.inject({
          method: 'POST',
          url: '/api/v1/sessions',
          payload: { email: user.email, password: user.password },
        })
      ).json().token;
      const me = () => app.inject({ method: 'GET', url: '/api/v1/me', headers: auth(user.token) });
      expect((await me()).statusCode).toBe(200);

      await stop(redis);
      expect((await me()).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/healthz' })).json().failing).toEqual(['cache']);
      const out = await app.inject({
        method: 'DELETE',
        url: '/api/v1/sessions/current',
        headers: auth(other),
      });
      expect(out.statusCode).toBe(204);
      expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: auth(other) })).statusCode).toBe(
        401,
      );

      // Back up: the cache is used again, with no restart of the platform.
      redis = await startRedis(port);
      await expect
        .poll(async () => (await app.inject({ method: 'GET', url: '/healthz' })).statusCode, {
          timeout: 10_000,
        })
        .toBe(200);
      expect((await me()).statusCode).toBe(200);
    });
  },
);
