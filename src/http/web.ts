// The web UI as the server serves it: hashed files under /assets/ cached for a year (their
// names change with their content), and the one page (index.html, never cached) for every
// path the UI routes in the browser. The pages run under the Content-Security-Policy of
// security.ts: the build has no inline script and no eval.
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Paths that are never pages of the UI: an unknown one is the API's 404, not the page. */
const NOT_PAGES = /^\/(api|docs|healthz|openapi\.json|assets)(\/|$)/;

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Polyglot Social</title></head>
<body><h1>Polyglot Social</h1><p>The web UI is not built: <code>npm start</code> builds it
(or <code>npm run build:web</code>). The API is at <a href="/docs">/docs</a>.</p></body></html>`;

export async function webUi(app: FastifyInstance, { root }: { root: string }) {
  const indexFile = path.join(root, 'index.html');
  if (!fs.existsSync(indexFile)) {
    app.get('/', { schema: { hide: true } }, (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(NOT_BUILT),
    );
    return;
  }
  const page = fs.readFileSync(indexFile, 'utf8');
  await app.register(fastifyStatic, {
    root: path.join(root, 'assets'),
    prefix: '/assets/',
    // One route per file built, instead of a wildcard that would look on disk for any path.
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders: (reply) => reply.header('Cache-Control', 'public, max-age=31536000, immutable'),
  });
  const sendPage = (url: string, reply: import('fastify').FastifyReply) => {
    if (NOT_PAGES.test(url)) return reply.callNotFound();
    return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(page);
  };
  app.get('/', { schema: { hide: true } }, (request, reply) => sendPage(request.url, reply));
  app.get('/*', { schema: { hide: true } }, (request, reply) => sendPage(request.url, reply));
}
