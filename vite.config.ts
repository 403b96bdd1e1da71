// The web UI's build: web/ (Preact, TypeScript) into dist/web, which the server serves.
// Hashed file names under assets/ let the server cache them for a year; index.html is never cached.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: '/',
  // JSX compiled for Preact by Vite's own transformer: no framework plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npm run dev:web`: the UI with hot reload, the API from the platform started with `npm start`.
  server: {
    proxy: Object.fromEntries(
      ['/api', '/healthz', '/openapi.json', '/docs'].map((path) => [
        path,
        process.env.API_URL ?? 'http://localhost:3000',
      ]),
    ),
  },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    // No source maps in the served build: they would double what a first visit can fetch.
    sourcemap: false,
    // Inlined assets would need data: in more CSP directives than img-src: emit them as files.
    assetsInlineLimit: 0,
  },
});
