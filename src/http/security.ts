// Security headers on every reply, pages and API alike, with @fastify/helmet: a
// Content-Security-Policy without inline script (the home page and Swagger UI at /docs load
// only their own files), no framing, nosniff, a strict Referrer-Policy. HSTS only on a
// request that arrived over HTTPS (directly, or through a trusted proxy's X-Forwarded-Proto):
// sent over plain http it would lock a browser out of a server that has no TLS.
// Replies that may carry private data are never stored by a browser or a proxy: the rule is
// "every reply to a request with an Authorization header, and to every write" (a write's reply
// can hold a new session token or an account's email), so /me and all under it, the wallet,
// orders, the cart and sessions are covered, while anonymous reads of public data stay cacheable.
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

const HSTS = 'max-age=31536000; includeSubDomains';
const READS = new Set(['GET', 'HEAD']);

export async function registerSecurityHeaders(app: FastifyInstance) {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'script-src': ["'self'"],
        // Avatars and media are links users give to images anywhere on the web.
        'img-src': ["'self'", 'data:', 'https:', 'http:'],
        'frame-ancestors': ["'none'"],
        // Upgrading would break every http:// link a page shows when it is served over plain http.
        'upgrade-insecure-requests': null,
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // Set below, only over HTTPS.
    strictTransportSecurity: false,
  });
  app.addHook('onSend', async (request, reply) => {
    if (request.protocol === 'https') reply.header('Strict-Transport-Security', HSTS);
    if (request.headers.authorization !== undefined || !READS.has(request.method)) {
      reply.header('Cache-Control', 'no-store');
    }
  });
}
