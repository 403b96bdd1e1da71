// The HTTP side of read-your-writes over a read replica: a GET or HEAD runs as a read by its
// signed-in viewer (or an anonymous one); every other request by a signed-in person marks,
// once its handler is done and before its answer leaves, that the person has written.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { inReadContext } from '../read-your-writes.ts';

const READ_METHODS = new Set(['GET', 'HEAD']);

export interface ReadYourWritesOptions {
  markWrite(userId: number): Promise<void>;
  /**
   * Sets request.session from a bearer token, throwing when it is not valid: for public routes
   * that do not ask who calls, so that their reader's own writes are seen too.
   */
  identify(request: FastifyRequest): Promise<void>;
}

/** Register before the routes: their hooks are fixed when they are registered. */
export function readYourWrites(app: FastifyInstance, { markWrite, identify }: ReadYourWritesOptions) {
  // preHandler: after the route's auth hooks (onRequest), right before the handler.
  app.addHook('preHandler', (request, _reply, done) => {
    if (!READ_METHODS.has(request.method)) return done();
    const enter = () => inReadContext({ viewer: request.session?.userId }, done);
    if (request.session || request.headers.authorization === undefined) return enter();
    // A token the route did not ask for and that is not valid leaves the reader anonymous, as before.
    identify(request).then(enter, enter);
  });

  // onSend comes after the handler, so the write committed, and the client cannot send its next
  // read before this answer. A mark that fails is logged and the answer kept: a write that
  // committed is never reported as failed.
  app.addHook('onSend', async (request, _reply, payload) => {
    const userId = request.session?.userId;
    if (userId === undefined || READ_METHODS.has(request.method) || request.method === 'OPTIONS') {
      return payload;
    }
    await markWrite(userId).catch((error) => request.log.warn({ err: error }, 'write mark not kept'));
    return payload;
  });
}
