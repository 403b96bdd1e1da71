// The platform's own routes and the one error shape for everything that goes wrong.
import net, { type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../src/config.ts';
import { buildTestApp } from '../support/app.ts';

const expectError = (body: string, status: number, code: string) => {
  const parsed = JSON.parse(body);
  expect(parsed).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  expect(body).not.toMatch(/\n\s+at |\/src\//);
  return status;
};

describe('system routes', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await buildTestApp());
  });

  it('serves a home page that links to the docs', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('Polyglot Social');
    expect(res.body).toContain('href="/docs"');
  });

  it('reports each role, its engine and whether it answers', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      failing: [],
      roles: { accounts: { engine: 'pglite', ok: true }, cache: { engine: 'memory', ok: true } },
    });
  });

  it('describes the whole API as OpenAPI 3, from the schemas that validate requests', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/v1/accounts',
      '/api/v1/sessions',
      '/api/v1/me',
      '/api/v1/users/{id}',
      '/api/v1/architecture',
      '/healthz',
    ]) {
      expect(doc.paths).toHaveProperty([path]);
    }
    const signUp = doc.paths['/api/v1/accounts'].post;
    expect(signUp.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['email', 'password', 'name', 'birthdate']),
    );
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('says what is built: all seven roles on the home page', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    for (const role of ROLES) expect(res.body).toContain(role);
    expect(res.body).not.toContain('to come');
  });

  it('names every role in the architecture, with its engine now and a CP or AP choice', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/architecture' });
    expect(res.statusCode).toBe(200);
    const { roles } = res.json();
    expect(roles.map((r: { role: string }) => r.role).sort()).toEqual([...ROLES].sort());
    const byRole = Object.fromEntries(roles.map((r: { role: string }) => [r.role, r]));
    expect(byRole.accounts).toMatchObject({ engine: 'pglite', consistency: 'CP' });
    expect(byRole.commerce).toMatchObject({ consistency: 'CP' });
    expect(byRole.cache).toMatchObject({ engine: 'memory', consistency: 'AP' });
    for (const role of roles) {
      expect(role.why.length).toBeGreaterThan(10);
      expect(role.when_down.length).toBeGreaterThan(10);
      expect(role.scales_to.length).toBeGreaterThan(3);
      expect(role.fault_tests.length).toBeGreaterThan(10);
    }
    // A streaming replica runs in CI; MongoDB, Neo4j and InfluxDB 3 servers do not.
    expect(byRole.accounts.tested_in_ci).toBe(true);
    expect(byRole.posts.tested_in_ci).toBe(false);
    expect(byRole.graph.tested_in_ci).toBe(false);
  });

  it('answers no cross-origin preflight by default (same origin only)', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/products',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'GET' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves a browsable reference at /docs', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger-ui');
  });

  it('answers an unknown route with 404 in the error shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(expectError(res.body, res.statusCode, 'not_found')).toBe(404);
  });

  const postRaw = (contentType: string, payload: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      headers: { 'content-type': contentType },
      payload,
    });

  it('answers bad JSON with 400, a wrong content type with 415, a huge body with 413', async () => {
    const badJson = await postRaw('application/json', '{"email": ');
    expect(badJson.statusCode).toBe(400);
    expectError(badJson.body, 400, 'bad_request');

    const text = await postRaw('text/plain', 'hello');
    expect(text.statusCode).toBe(415);
    expectError(text.body, 415, 'unsupported_media_type');

    const huge = await postRaw('application/json', JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }));
    expect(huge.statusCode).toBe(413);
    expectError(huge.body, 413, 'too_large');
  });

  it('answers deeply nested JSON with a 4xx, never a 5xx', async () => {
    const depth = 100_000;
    const res = await postRaw('application/json', `${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect(res.statusCode).toBe(400);
    expectError(res.body, 400, 'bad_request');
  });
});

describe('request timeouts', () => {
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    ({ app } = await buildTestApp({
      env: { REQUEST_TIMEOUT_MS: '400', HEADERS_TIMEOUT_MS: '300', CONNECTION_TIMEOUT_MS: '5000' },
    }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });

  /** Sends `bytes` and never the rest; resolves with what the server wrote once it closes the connection. */
  const sendPartly = (bytes: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
    });

  it('answers 408 and closes connections whose body stops half-way', async () => {
    const head =
      'POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n';
    const replies = await Promise.all(Array.from({ length: 20 }, () => sendPartly(`${head}{"email": "a@`)));
    for (const reply of replies) {
      expect(reply).toMatch(/^HTTP\/1\.1 408 /);
      expect(reply).toContain('"request_timeout"');
    }
  });

  it('closes connections whose headers stop half-way', async () => {
    const reply = await sendPartly('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    expect(reply).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });
});

describe('a store out of reach', () => {
  it('makes /healthz a 503 with Retry-After (the onSend rule adds it to every 503)', async () => {
    // Port 1 on loopback: nothing listens there, so every call to the cache fails at once.
    const { app } = await buildTestApp({
      env: { REDIS_URL: 'redis://127.0.0.1:1', CACHE_STORE: 'redis', JOBS_STORE: 'pglite' },
    });
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('CORS_ORIGINS', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await buildTestApp({ env: { CORS_ORIGINS: 'https://app.example.com' } }));
  });

  const preflight = (origin: string) =>
    app.inject({
      method: 'OPTIONS',
      url: '/api/v1/sessions',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });

  it('answers a preflight from an allowed origin', async () => {
    const res = await preflight('https://app.example.com');
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    const get = await app.inject({
      method: 'GET',
      url: '/api/v1/products',
      headers: { origin: 'https://app.example.com' },
    });
    expect(get.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  it('lets a script on an allowed origin read the rate-limit headers and Retry-After', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: { origin: 'https://app.example.com' },
      payload: { email: 'nobody@example.com', password: 'not the password' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['ratelimit-limit']).toBeDefined();
    const exposed = String(res.headers['access-control-expose-headers'])
      .toLowerCase()
      .split(/\s*,\s*/);
    expect(exposed).toEqual(
      expect.arrayContaining(['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after']),
    );
  });

  it('gives another origin no permission', async () => {
    const res = await preflight('https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
