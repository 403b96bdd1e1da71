// GET /api/v1/demo: whether demo mode is on and, when it is, the demo content's log-ins, so
// that the sign-in page can offer them. They are printed by every seed: nothing here is secret,
// and with demo mode off (a real deployment) the list is always empty.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { LogIn } from './seed.ts';

const DemoReply = Type.Object(
  {
    demo_mode: Type.Boolean({ description: 'play money and the demo log-ins are offered' }),
    log_ins: Type.Array(
      Type.Object({
        role: Type.Union([Type.Literal('demo'), Type.Literal('operator')]),
        email: Type.String(),
        handle: Type.String(),
        password: Type.String(),
      }),
      { description: 'the demo accounts that exist here; empty when demo mode is off' },
    ),
  },
  { title: 'Demo' },
);

export const demoRoutes: FastifyPluginAsyncTypebox<{
  demoMode: boolean;
  logIns: () => Promise<LogIn[]>;
}> = async (app, { demoMode, logIns }) => {
  app.get(
    '/demo',
    {
      schema: {
        tags: ['system'],
        summary: 'Whether demo mode is on, and the demo content’s log-ins when it is',
        response: { 200: DemoReply },
      },
    },
    async () => ({ demo_mode: demoMode, log_ins: demoMode ? await logIns() : [] }),
  );
};
