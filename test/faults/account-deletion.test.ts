// An account deleted while the process is killed half-way through its erasure is fully gone
// after a restart. The platform runs as a child process (`polyglot start`) on the test's own
// stores; it is killed with SIGKILL as soon as its log says a first role is erased, while the
// others (the posts: many of them) are still erasing, their parts still in the outbox. A
// new platform on the same stores finds it there and finishes it: then no column, no Redis
// key holds the person, and the others' counters are right.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { KNOWN_VARIABLES, loadConfig } from '../../src/config.ts';
import { caller, signUp, type TestUser } from '../support/api.ts';
import { testEnv } from '../support/app.ts';
import { distinctiveNextUserId, openDatabase, redisRemains, sqlRemains } from '../support/remains.ts';
import { dropKeys } from '../support/stores.ts';
import { httpStacks, stackTitle } from '../support/targets.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `polyglot start` on the given platform environment (and nothing of ours that would move a role). */
function startPlatform(env: Record<string, string>) {
  const inherited = { ...process.env };
  for (const name of KNOWN_VARIABLES) delete inherited[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    log += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    log += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, exited, log: () => log };
}

/** Resolves when `seen()` is true, or fails after `ms` naming what it waited for. */
async function waitFor(
  what: string,
  seen: () => boolean | Promise<boolean>,
  ms: number,
  output: () => string,
) {
  const deadline = Date.now() + ms;
  while (!(await seen())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; output:\n${output().slice(-3000)}`);
    await sleep(25);
  }
}

for (const stack of httpStacks) {
  describe.skipIf(stack.skip !== undefined)(stackTitle('account deletion killed half-way', stack), () => {
    const children: ChildProcess[] = [];
    let env: Record<string, string> = {};
    afterAll(async () => {
      for (const child of children) child.kill('SIGKILL');
      if (env.REDIS_URL && env.KEY_PREFIX) await dropKeys(env.REDIS_URL, env.KEY_PREFIX);
    });

    it('finishes the erasure after a restart: nothing of the person is left, counters are right', async () => {
      env = await testEnv({
        sql: stack.sql,
        cache: stack.cache,
        // Entries and jobs of the killed process are taken up again within seconds.
        env: { DEMO_MODE: '1', SEED: 'false', OUTBOX_LEASE_SECONDS: '2', OUTBOX_RELAY_INTERVAL_MS: '200' },
      });
      const victimId = await distinctiveNextUserId(env);

      // A lived-in account, made on a platform in this process, which then stops.
      let platform = await buildApp(loadConfig(env));
      const call = caller(() => platform.app);
      const victim = await signUp(platform.app);
      expect(victim.id).toBe(victimId);
      const [friend, other] = [await signUp(platform.app), await signUp(platform.app)];
      const post = async (user: TestUser, content: string) =>
        (await call('POST', '/posts', user, { content })).json().id as string;
      for (let i = 0; i < 40; i++) await post(victim, `mine ${i}`);
      const friendPost = await post(friend, 'theirs');
      expect((await call('PUT', `/posts/${friendPost}/like`, victim)).statusCode).toBe(204);
      expect(
        (await call('POST', `/posts/${friendPost}/comments`, victim, { text: 'hello' })).statusCode,
      ).toBe(201);
      for (const [a, b] of [
        [victim, friend],
        [friend, victim],
        [other, victim],
      ] as const) {
        expect((await call('PUT', `/users/${b.id}/follow`, a)).statusCode).toBe(204);
      }
      expect((await call('GET', '/feed?limit=100', friend)).json().items.length).toBe(41);
      const product = await call('POST', '/products', victim, { name: 'Lamp', price_cents: 900, stock: 2 });
      expect(product.statusCode).toBe(201);
      await platform.jobs.idle();
      await platform.app.close();

      // The platform as a process of its own: the deletion is asked of it, and it is killed
      // once a first role has erased its part, before the others are done.
      const port = await freePort();
      const server = startPlatform({ ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' });
      children.push(server.child);
      const api = `http://127.0.0.1:${port}/api/v1`;
      await waitFor(
        'the platform to listen',
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok === true,
        60_000,
        server.log,
      );
      const deleted = await fetch(`${api}/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${victim.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ password: victim.password }),
      });
      expect(deleted.status).toBe(204);
      const erasedRoles = () =>
        server.log().match(/"msg":"deleted account erased from a role"/g)?.length ?? 0;
      await waitFor('a first role erased', () => erasedRoles() > 0, 60_000, server.log);
      server.child.kill('SIGKILL');
      await server.exited;
      // Killed before the erasure completed: some roles' parts of it are still in the outbox.
      const halfway = await openDatabase(env);
      try {
        const [outbox] = await halfway.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM outbox WHERE kind LIKE '%.erase-account'",
        );
        expect(outbox?.n, server.log().slice(-3000)).toBeGreaterThan(0);
      } finally {
        await halfway.close();
      }

      // A restart finishes the erasure. Log-in stopped at once.
      platform = await buildApp(loadConfig(env));
      const logIn = await call('POST', '/sessions', undefined, {
        email: victim.email,
        password: victim.password,
      });
      expect(logIn.statusCode).toBe(401);
      await platform.jobs.idle();

      const friendPostNow = (await call('GET', `/posts/${friendPost}`)).json();
      expect(friendPostNow.stats).toMatchObject({ likes: 0, comments: 0 });
      expect((await call('GET', `/users/${friend.id}`)).json().counts).toEqual({
        followers: 0,
        following: 0,
        posts: 1,
      });
      expect((await call('GET', `/users/${other.id}`)).json().counts).toMatchObject({ following: 0 });
      expect(
        (await call('GET', '/feed', friend)).json().items.map((item: { id: string }) => item.id),
      ).toEqual([friendPost]);
      expect((await call('GET', `/products/${product.json().id}`)).statusCode).toBe(404);
      const person = { id: victim.id, email: victim.email, handle: victim.handle };
      if (env.REDIS_URL)
        expect(await redisRemains(env.REDIS_URL, env.KEY_PREFIX as string, person)).toEqual([]);
      await platform.app.close();
      const db = await openDatabase(env);
      try {
        expect(await sqlRemains(db, person)).toEqual({});
      } finally {
        await db.close();
      }
    }, 300_000);
  });
}
