// Routes outside the API: the home page, health, and the OpenAPI document.
import fs from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { checkHealth, type RoleProbes } from '../health.ts';

const HOME_PAGE = fs.readFileSync(new URL('../web/index.html', import.meta.url), 'utf8');

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

export const systemRoutes: FastifyPluginAsyncTypebox<{ probes: RoleProbes }> = async (app, { probes }) => {
  app.get('/', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(HOME_PAGE),
  );

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

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
};
