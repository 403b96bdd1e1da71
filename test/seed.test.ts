// The demo seed through the real services, on both stacks: it fills every list a new user
// looks at, its log-ins work, and a second run adds nothing.
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { seedDemo } from '../src/seed/seed.ts';
import { planWorld } from '../src/seed/world.ts';
import { auth } from './support/api.ts';
import { buildTestApp } from './support/app.ts';
import { httpStacks, stackTitle } from './support/targets.ts';

const PEOPLE = 60;

/** What a client can count: every profile's counters, the products, the leaderboard and each log-in's orders. */
async function counts(app: FastifyInstance, people: number) {
  let profiles = 0;
  const totals = { followers: 0, following: 0, posts: 0 };
  // Ids are given in order on a fresh database: a few past the end show that nobody was added twice.
  for (let id = 1; id <= people + 10; id++) {
    const reply = await app.inject({ method: 'GET', url: `/api/v1/users/${id}` });
    if (reply.statusCode !== 200) continue;
    profiles++;
    const profile = reply.json().counts;
    totals.followers += profile.followers;
    totals.following += profile.following;
    totals.posts += profile.posts;
  }
  const products = (await app.inject({ method: 'GET', url: '/api/v1/products?limit=100' })).json().items
    .length;
  const sellers = (await app.inject({ method: 'GET', url: '/api/v1/leaderboards/sellers' })).json().items;
  return { profiles, totals, products, sellers };
}

async function logIn(app: FastifyInstance, email: string, password: string): Promise<string> {
  const reply = await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { email, password } });
  expect(reply.statusCode, reply.body).toBe(201);
  return reply.json().token;
}

describe('the demo world', () => {
  it('is the same for the same seed number and differs for another', () => {
    const world = planWorld({ seed: 7, people: PEOPLE });
    expect(planWorld({ seed: 7, people: PEOPLE })).toEqual(world);
    expect(planWorld({ seed: 8, people: PEOPLE }).people).not.toEqual(world.people);
    expect(new Set(world.people.map((person) => person.email)).size).toBe(PEOPLE);
  });
});

for (const stack of httpStacks) {
  describe.skipIf(stack.skip)(stackTitle('npm run seed', stack), () => {
    it('fills trending, products, the leaderboard and the demo feeds, and a second run adds nothing', async () => {
      const { app, ...platform } = await buildTestApp({
        sql: stack.sql,
        cache: stack.cache,
        env: { DEMO_MODE: '1' },
      });
      const first = await seedDemo({ app, ...platform }, { seed: 3, people: PEOPLE });
      expect(first.alreadySeeded).toBe(false);
      expect(first.created.people).toBe(PEOPLE + 1);
      expect(first.created.posts).toBeGreaterThan(0);
      expect(first.created.orders).toBeGreaterThan(0);
      const before = await counts(app, PEOPLE);
      expect(before.profiles).toBe(PEOPLE + 1);
      expect(before.totals.followers).toBe(first.created.follows);
      expect(before.totals.posts).toBe(first.created.posts);
      expect(before.products).toBe(first.created.products);
      expect(before.sellers.length).toBeGreaterThan(0);

      const byAge = planWorld({ seed: 3, people: PEOPLE }).posts.map((post) => post.ageMinutes);
      expect(Math.max(...byAge) - Math.min(...byAge)).toBeGreaterThan(7 * 24 * 60);
      const trending = await app.inject({ method: 'GET', url: '/api/v1/trending' });
      expect(trending.json().items.length).toBeGreaterThan(0);
      expect(first.logIns.map((login) => login.role)).toEqual(['demo', 'demo', 'demo', 'operator']);
      for (const { email, password, role } of first.logIns) {
        const token = await logIn(app, email, password);
        if (role !== 'demo') continue;
        const feed = await app.inject({ method: 'GET', url: '/api/v1/feed', headers: auth(token) });
        expect(feed.statusCode, feed.body).toBe(200);
        expect(feed.json().items.length).toBeGreaterThan(0);
        // Spread over the last weeks, newest first, none in the future.
        const dates = (feed.json().items as { created_at: string }[]).map((item) =>
          Date.parse(item.created_at),
        );
        expect(dates).toEqual([...dates].sort((a, b) => b - a));
        expect(Math.max(...dates)).toBeLessThanOrEqual(Date.now());
      }

      const second = await seedDemo({ app, ...platform }, { seed: 3, people: PEOPLE });
      expect(second.alreadySeeded).toBe(true);
      expect(Object.values(second.created).every((n) => n === 0)).toBe(true);
      expect(await counts(app, PEOPLE)).toEqual(before);
    }, 180_000);
  });
}
