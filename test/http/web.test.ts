// The web UI as the server serves it (the built page and its hashed assets, with their
// caching), the demo log-ins the sign-in page offers, and the benchmark results the
// architecture page charts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/app.ts';
import { readBenchmarks } from '../../src/http/benchmarks.ts';
import { demoLogIns, seedDemo } from '../../src/seed/seed.ts';
import { buildTestApp } from '../support/app.ts';

describe('the web UI served by the platform', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await buildTestApp());
  });

  it('serves the one page for every path the UI routes, never cached, under the CSP', async () => {
    for (const url of ['/', '/users/12', '/market/cart', '/posts/0190a0c4-0000-7000-8000-000000000000']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(String(res.headers['content-security-policy'])).toMatch(/script-src 'self'(;|$)/);
      expect(res.body).toContain('<div id="app"></div>');
      expect(res.body).toMatch(
        /<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/,
      );
    }
  });

  it('serves hashed assets cached for a year; an unknown asset or API path is the JSON 404', async () => {
    const page = (await app.inject({ method: 'GET', url: '/' })).body;
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1] as string;
    const asset = await app.inject({ method: 'GET', url: script });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const url of ['/assets/nothing-here.js', '/api/v1/nothing-here', '/api/nothing']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
  });
});

describe('GET /api/v1/demo', () => {
  let platform: Platform;
  let demoOff: FastifyInstance;
  beforeAll(async () => {
    platform = await buildTestApp({ env: { DEMO_MODE: '1' } });
    ({ app: demoOff } = await buildTestApp({ env: { DEMO_MODE: '0' } }));
  });

  it('offers no log-ins with demo mode off', async () => {
    expect((await demoOff.inject({ method: 'GET', url: '/api/v1/demo' })).json()).toEqual({
      demo_mode: false,
      log_ins: [],
    });
  });

  // Seeding a small world takes a while on a busy machine.
  it('in demo mode offers the log-ins of the demo accounts that exist, as the seed prints them', {
    timeout: 120_000,
  }, async () => {
    // Before any seed: none of the default world's accounts exists here.
    expect((await platform.app.inject({ method: 'GET', url: '/api/v1/demo' })).json()).toEqual({
      demo_mode: true,
      log_ins: [],
    });
    const world = { seed: 3, people: 20 };
    const report = await seedDemo(platform, world);
    const logIns = await demoLogIns(platform.services.accounts, world)();
    expect(logIns).toEqual(report.logIns);
    expect(logIns.map((logIn) => logIn.role)).toEqual(['demo', 'demo', 'demo', 'operator']);
    // Each one signs in.
    for (const { email, password } of logIns) {
      const res = await platform.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { email, password },
      });
      expect(res.statusCode, email).toBe(201);
    }
  });
});

describe('GET /api/v1/benchmarks', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await buildTestApp());
  });

  it('reads each benchmark once: this machine’s run before the reference; unreadable files left out', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-bench-'));
    fs.mkdirSync(path.join(dir, 'results'));
    fs.mkdirSync(path.join(dir, 'reference'));
    const write = (file: string, body: string) => fs.writeFileSync(path.join(dir, file), body);
    write('results/feed.json', JSON.stringify({ date: '2026-11-30', ratios: { 'fanout / pull': 4 } }));
    write('reference/feed.json', JSON.stringify({ date: '2026-11-01' }));
    write('reference/graph.json', JSON.stringify({ date: '2026-11-02' }));
    write('results/half-written.json', '{"date": "2026');
    write('results/list.json', '[1, 2]');
    expect(readBenchmarks(dir)).toEqual([
      { name: 'feed', source: 'results', report: { date: '2026-11-30', ratios: { 'fanout / pull': 4 } } },
      { name: 'graph', source: 'reference', report: { date: '2026-11-02' } },
    ]);
    expect(readBenchmarks(path.join(dir, 'missing'))).toEqual([]);
  });

  it('answers the repository’s results as {items}', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/benchmarks' });
    expect(res.statusCode).toBe(200);
    const { items } = res.json();
    expect(Array.isArray(items)).toBe(true);
    for (const item of items) {
      expect(item).toEqual({
        name: expect.any(String),
        source: expect.stringMatching(/^(results|reference)$/),
        report: expect.any(Object),
      });
    }
  });
});
