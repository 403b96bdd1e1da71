// DeathStarBench's social-network mix over HTTP, shared by the workload and scale benchmarks:
// people seeded through the API as a clustered friendship graph, then concurrent clients
// sending 60% home feeds, 30% user timelines and 10% new posts for a fixed time, with each
// path's latencies, errors and non-2xx replies counted apart. The servers it loads run in
// processes of their own, so the load generator never shares their event loop.
import { KNOWN_VARIABLES } from '../../src/config.ts';

export interface User {
  id: number;
  token: string;
}

/** Every rate limit far above what a benchmark sends: the limiter still runs, it never refuses. */
export const UNLIMITED_RATES = Object.fromEntries(
  KNOWN_VARIABLES.filter((name) => name.startsWith('RATE_LIMIT_')).map((name) => [name, '1000000000/1h']),
);

interface Request {
  /** The path as reported (ids left out), e.g. GET /api/v1/users/:id/posts. */
  label: string;
  method: string;
  path: string;
  token?: string;
  body?: unknown;
}

async function send(base: string, request: Request): Promise<Response> {
  return fetch(`${base}${request.path}`, {
    method: request.method,
    headers: {
      ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
}

/** One API call while seeding: any status of 400 or more is an error. */
async function call(base: string, request: Omit<Request, 'label'>) {
  const response = await send(base, { label: '', ...request });
  const text = await response.text();
  if (response.status >= 400)
    throw new Error(`${request.method} ${request.path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

export interface FriendsShape {
  users: number;
  /** Each user befriends this many neighbours on each side of a ring: friends of friends are mostly friends. */
  neighbours: number;
  postsPerUser: number;
}

/**
 * People made through the API as a ring lattice of mutual follows (Watts and Strogatz's
 * clustered graph before rewiring), each with a few posts; a few users at a time.
 */
export async function seedFriends(base: string, shape: FriendsShape): Promise<User[]> {
  const run = `${process.pid}_${Date.now().toString(36)}`;
  const password = 'a long enough password';
  const users: User[] = [];
  for (let i = 0; i < shape.users; i++) {
    const email = `load_${run}_${i}@example.com`;
    const body = { email, password, name: `Load ${i}`, birthdate: '1990-01-01' };
    const { id } = await call(base, { method: 'POST', path: '/api/v1/accounts', body });
    const { token } = await call(base, {
      method: 'POST',
      path: '/api/v1/sessions',
      body: { email, password },
    });
    users.push({ id, token });
  }
  const seedOne = async (i: number) => {
    const user = users[i] as User;
    for (let k = 1; k <= shape.neighbours; k++) {
      for (const friend of [users[(i + k) % shape.users], users[(i - k + shape.users) % shape.users]]) {
        await call(base, { method: 'PUT', path: `/api/v1/users/${friend?.id}/follow`, token: user.token });
      }
    }
    for (let p = 0; p < shape.postsPerUser; p++) {
      await call(base, {
        method: 'POST',
        path: '/api/v1/posts',
        token: user.token,
        body: { content: `post ${p}` },
      });
    }
  };
  const inFlight = 4;
  for (let i = 0; i < shape.users; i += inFlight) {
    await Promise.all(users.slice(i, i + inFlight).map((_, k) => seedOne(i + k)));
  }
  return users;
}

/** The n-th request of client c: 60% home feed, 30% another user's timeline, 10% a new post, interleaved. */
export function socialMix(users: User[]) {
  return (c: number, n: number): Request => {
    const user = users[(c + n) % users.length] as User;
    const roll = (c * 7 + n * 13) % 10;
    if (roll < 6)
      return { label: 'GET /api/v1/feed', method: 'GET', path: '/api/v1/feed', token: user.token };
    if (roll < 9) {
      const other = users[(c + n + 1) % users.length] as User;
      return { label: 'GET /api/v1/users/:id/posts', method: 'GET', path: `/api/v1/users/${other.id}/posts` };
    }
    return {
      label: 'POST /api/v1/posts',
      method: 'POST',
      path: '/api/v1/posts',
      token: user.token,
      body: { content: `load ${c} ${n}` },
    };
  };
}

export const healthMix = (): Request => ({ label: 'GET /healthz', method: 'GET', path: '/healthz' });

export interface PathFigures {
  requests: number;
  requests_per_second: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non_2xx: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

function summarise(latencies: number[], errors: number, non2xx: number, seconds: number): PathFigures {
  latencies.sort((x, y) => x - y);
  return {
    requests: latencies.length,
    requests_per_second: Math.round(latencies.length / seconds),
    p50_ms: Math.round(percentile(latencies, 0.5) * 10) / 10,
    p99_ms: Math.round(percentile(latencies, 0.99) * 10) / 10,
    errors,
    non_2xx: non2xx,
  };
}

/**
 * `clients` concurrent clients for `seconds`, request n of client c being `mix(c, n)`, each sent
 * to the next base URL in turn (the load generator is the load balancer). Latency counts
 * every reply, 2xx or not; a failed connection counts as an error.
 */
export async function runLoad(
  bases: string[],
  mix: (c: number, n: number) => Request,
  clients: number,
  seconds: number,
): Promise<{ total: PathFigures; paths: Record<string, PathFigures> }> {
  const byPath = new Map<string, { latencies: number[]; errors: number; non2xx: number }>();
  const all = { latencies: [] as number[], errors: 0, non2xx: 0 };
  let next = 0;
  const until = performance.now() + seconds * 1000;
  const client = async (c: number) => {
    for (let n = 0; performance.now() < until; n++) {
      const request = mix(c, n);
      const stats = byPath.get(request.label) ?? { latencies: [], errors: 0, non2xx: 0 };
      byPath.set(request.label, stats);
      const started = performance.now();
      try {
        const response = await send(bases[next++ % bases.length] as string, request);
        await response.arrayBuffer();
        const elapsed = performance.now() - started;
        stats.latencies.push(elapsed);
        all.latencies.push(elapsed);
        if (response.status < 200 || response.status > 299) {
          stats.non2xx++;
          all.non2xx++;
        }
      } catch {
        stats.errors++;
        all.errors++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  const elapsed = (performance.now() - started) / 1000;
  const paths = Object.fromEntries(
    [...byPath].map(([label, s]) => [label, summarise(s.latencies, s.errors, s.non2xx, elapsed)]),
  );
  return { total: summarise(all.latencies, all.errors, all.non2xx, elapsed), paths };
}
