// A MongoDB or Neo4j server that does not answer is an outage of its role: 503 with
// Retry-After naming the role, never a 500, and the platform still starts. Both drivers
// are real; the port they are pointed at is closed (nothing listens there).
import { describe, expect, it } from 'vitest';
import { auth, signUp } from '../support/api.ts';
import { buildTestApp } from '../support/app.ts';
import { freePort } from '../support/redis-server.ts';

// Short, so that server selection and the managed transactions' retries give up quickly.
const QUICK = { STORE_CONNECT_TIMEOUT_MS: '300' };
const UNKNOWN_POST = '0192f0c0-0000-7000-8000-000000000000';

function expectUnavailable(
  response: { statusCode: number; headers: Record<string, unknown>; json(): { error: unknown } },
  role: string,
) {
  expect(response.statusCode).toBe(503);
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  expect(response.json().error).toMatchObject({ code: 'unavailable', details: { role } });
}

describe('posts on a MongoDB that does not answer', async () => {
  const port = await freePort();
  const { app } = await buildTestApp({
    env: { ...QUICK, POSTS_STORE: 'mongo', MONGODB_URL: `mongodb://127.0.0.1:${port}/polyglot` },
  });

  it('answers 503 naming the posts role, for reads and writes', async () => {
    const user = await signUp(app);
    expectUnavailable(await app.inject({ method: 'GET', url: `/api/v1/posts/${UNKNOWN_POST}` }), 'posts');
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: auth(user.token),
      payload: { content: 'into the void' },
    });
    expectUnavailable(created, 'posts');
    // The accounts role, on its own store, still answers.
    expect((await app.inject({ method: 'GET', url: `/api/v1/users/${user.id}` })).statusCode).toBe(200);
  });
});

describe('the graph on a Neo4j that does not answer', async () => {
  const port = await freePort();
  const { app } = await buildTestApp({
    env: { ...QUICK, GRAPH_STORE: 'neo4j', NEO4J_URL: `neo4j://127.0.0.1:${port}` },
  });

  it('answers 503 naming the graph role, for reads and writes', async () => {
    const [reader, other] = [await signUp(app), await signUp(app)];
    expectUnavailable(
      await app.inject({ method: 'GET', url: `/api/v1/users/${other.id}/followers` }),
      'graph',
    );
    const followed = await app.inject({
      method: 'PUT',
      url: `/api/v1/users/${other.id}/follow`,
      headers: auth(reader.token),
    });
    expectUnavailable(followed, 'graph');
  });
});
