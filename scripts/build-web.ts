// Builds the web UI (web/ → dist/web) when its sources changed since the last build, so that
// `npm start` builds it on the first run and costs only a content hash (a few milliseconds, in
// the same process) on every later one. `npm run build:web` runs it alone.
// The build goes to a folder of its own and is moved into place, so two builds at once
// (two test files) never leave a half-written dist/web.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_OUT = path.join(root, 'dist', 'web');
const STAMP = path.join(WEB_OUT, '.source-hash');
/** What the build reads: the UI's sources, the build's settings, the exact dependency versions. */
const INPUTS = ['web', 'vite.config.ts', 'package-lock.json'];

function hashInputs(): string {
  const hash = createHash('sha256');
  const visit = (file: string) => {
    if (fs.statSync(file).isDirectory()) {
      for (const name of fs.readdirSync(file).sort()) visit(path.join(file, name));
      return;
    }
    hash.update(path.relative(root, file));
    hash.update(fs.readFileSync(file));
  };
  for (const input of INPUTS) visit(path.join(root, input));
  return hash.digest('hex');
}

/** Builds unless dist/web was built from these very sources; says whether it built. */
export async function buildWeb({ quiet = false } = {}): Promise<boolean> {
  const hash = hashInputs();
  const built = fs.existsSync(path.join(WEB_OUT, 'index.html')) && fs.existsSync(STAMP);
  if (built && fs.readFileSync(STAMP, 'utf8') === hash) return false;
  const staging = path.join(root, 'dist', `.web-${process.pid}`);
  const { build } = await import('vite');
  if (!quiet) console.log('Building the web UI (once per change of its sources)…');
  await build({
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: quiet ? 'warn' : 'info',
    build: { outDir: staging },
  });
  fs.writeFileSync(path.join(staging, '.source-hash'), hash);
  fs.rmSync(WEB_OUT, { recursive: true, force: true });
  try {
    fs.renameSync(staging, WEB_OUT);
  } catch {
    // Another build of the same sources moved its folder in first: it is the same build.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWeb();
