// Routes about the platform itself: the web UI, health, the architecture, and the OpenAPI document.
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { describeArchitecture } from '../architecture.ts';
import type { Engine, Role } from '../config.ts';
import { checkHealth, type RoleProbes } from '../health.ts';

import { benchmarksRoutes } from './benchmarks.ts';
import { webUi } from './web.ts';

/** Where `npm start` (scripts/build-web.mjs) puts the built web UI. */
const WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));
/** Where `npm run bench` writes its results, beside the committed reference runs. */
const BENCH_DIR = fileURLToPath(new URL('../../bench/', import.meta.url));

const RoleHealthReply = Type.Object({
  engine: Type.String(),
  ok: Type.Boolean(),
  latency_ms: Type.Integer(),
  error: Type.Optional(Type.String()),
});

const HealthReply = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  failing: Type.Array(Type.String()),
  roles: Type.Record(Type.String(), RoleHealthReply),
});

const ArchitectureReply = Type.Object(
  {
    source: Type.String({ description: 'the article the choices of stores follow' }),
    roles: Type.Array(
      Type.Object({
        role: Type.String(),
        engine: Type.Union([Type.String(), Type.Null()], { description: 'the engine serving the role now' }),
        consistency: Type.Union([Type.Literal('CP'), Type.Literal('AP')]),
        why: Type.String(),
        when_down: Type.String({ description: 'what happens when its store is down' }),
        scales_to: Type.String({
          description: 'the distributed engine it moves to when one machine is outgrown',
        }),
        tested_in_ci: Type.Boolean({ description: 'whether CI runs the role on that distributed engine' }),
        fault_tests: Type.String({
          description: 'what the fault tests showed, against real servers stopped or slowed on purpose',
        }),
      }),
    ),
  },
  { title: 'Architecture' },
);

export const systemRoutes: FastifyPluginAsyncTypebox<{ probes: RoleProbes }> = async (app, { probes }) => {
  await webUi(app, { root: WEB_ROOT });
  await app.register(benchmarksRoutes, { benchDir: BENCH_DIR });

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['system'],
        summary: 'Which engine serves each role and whether it answers (503 names the failing roles)',
        response: { 200: HealthReply, 503: HealthReply },
      },
    },
    async (_request, reply) => {
      const report = await checkHealth(probes);
      return reply.status(report.status === 'ok' ? 200 : 503).send(report);
    },
  );

  const engines = Object.fromEntries(
    Object.entries(probes).map(([role, probe]) => [role, probe?.engine]),
  ) as Partial<Record<Role, Engine>>;
  app.get(
    '/api/v1/architecture',
    {
      schema: {
        tags: ['system'],
        summary:
          'Per role: the engine serving it, its consistency choice (CP or AP) and why, what happens when its store is down, where it scales to',
        response: { 200: ArchitectureReply },
      },
    },
    () => describeArchitecture(engines),
  );

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
};
