// The embedded data folder is safe: one process at a time (a pid lock file), a first
// start killed half-way never leaves a folder that cannot open (initdb into
// pglite.init-<pid>, renamed into place), and kill -9 loses no acknowledged write.
// These tests run real processes: the server (src/cli.ts) and small scripts in fixtures/.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { KNOWN_VARIABLES } from '../../src/config.ts';
import { openPglite } from '../../src/engines/pglite.ts';
import type { SqlDatabase } from '../../src/engines/sql.ts';
import { freshDataDir } from '../support/stores.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const TIMEOUT = 60_000;

interface Run {
  child: ChildProcess;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when the process has exited and its output is read to the end. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
const cleanup: string[] = [];
const openDatabases: SqlDatabase[] = [];

afterEach(async () => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  for (const db of openDatabases.splice(0)) await db.close();
  for (const dir of cleanup.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The environment of a child: ours without any platform variable (a DATABASE_URL would move the roles), plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of KNOWN_VARIABLES) delete env[name];
  return { ...env, ...extra };
}

/** `node --import tsx ARGS`: the child's pid is the process that holds the lock. */
function runTs(args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${args.join(' ')}`);
  return { child, pid: child.pid, stdout: () => stdout, stderr: () => stderr, exited };
}

const startServer = (env: Record<string, string>) => runTs(['src/cli.ts', 'start'], childEnv(env));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` is true; fails after `timeoutMs`, or at once when `run` exits first. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, run?: Run, timeoutMs = 30_000) {
  let exited = false;
  void run?.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (exited) throw new Error(`the process exited before ${what}; stderr: ${run?.stderr()}`);
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}; stderr: ${run?.stderr()}`);
}

async function healthz(port: number): Promise<number | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

const waitUntilReady = (port: number, run: Run) =>
  waitFor(`the server on port ${port} to answer /healthz`, async () => (await healthz(port)) === 200, run);

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-pglite-test-'));
  cleanup.push(dir);
  return dir;
}

function templateCopy(): string {
  const dir = freshDataDir();
  cleanup.push(dir);
  return dir;
}

async function open(dataDir: string): Promise<SqlDatabase> {
  const db = await openPglite({ dataDir });
  openDatabases.push(db);
  return db;
}

async function closeAll() {
  for (const db of openDatabases.splice(0)) await db.close();
}

/** A pid no process can have: above Linux's largest pid_max (2^22). */
const DEAD_PID = 2_147_483_646;

describe('the embedded data folder', () => {
  it(
    'refuses a second open of one folder within one process, and the first keeps its lock',
    async () => {
      const dataDir = templateCopy();
      const first = await open(dataDir);
      await expect(openPglite({ dataDir })).rejects.toThrow(`in use by process ${process.pid}`);
      expect(fs.readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8')).toBe(String(process.pid));
      expect(await first.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await closeAll();
      expect(fs.existsSync(path.join(dataDir, 'pglite.lock'))).toBe(false);
      // Closed, the folder opens again.
      await open(dataDir);
      await closeAll();
    },
    TIMEOUT,
  );

  it(
    'refuses a second server on the same DATA_DIR with one clear line, and frees it on a graceful shutdown',
    async () => {
      const dataDir = templateCopy();
      const lockFile = path.join(dataDir, 'pglite.lock');
      const base = { DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'silent' };

      const firstPort = await freePort();
      const first = startServer({ ...base, PORT: String(firstPort) });
      await waitUntilReady(firstPort, first);
      expect(fs.readFileSync(lockFile, 'utf8')).toBe(String(first.pid));

      // A second server on another port, so that only the data folder can stop it.
      const second = startServer({ ...base, PORT: String(await freePort()) });
      const secondExit = await second.exited;
      expect(secondExit.code, second.stderr()).toBe(1);
      const lines = second.stderr().trimEnd().split('\n');
      expect(lines, second.stderr()).toHaveLength(1);
      expect(lines[0]).toContain(`in use by process ${first.pid}`);
      expect(lines[0]).toContain(dataDir);

      // The refusal touched neither the first server nor its lock.
      expect(await healthz(firstPort)).toBe(200);
      expect(fs.readFileSync(lockFile, 'utf8')).toBe(String(first.pid));

      first.child.kill('SIGTERM');
      const firstExit = await first.exited;
      expect(firstExit, first.stderr()).toEqual({ code: 0, signal: null });
      expect(fs.existsSync(lockFile)).toBe(false);

      const thirdPort = await freePort();
      const third = startServer({ ...base, PORT: String(thirdPort) });
      await waitUntilReady(thirdPort, third);
      expect(fs.readFileSync(lockFile, 'utf8')).toBe(String(third.pid));
      third.child.kill('SIGTERM');
      expect(await third.exited, third.stderr()).toEqual({ code: 0, signal: null });
      expect(fs.existsSync(lockFile)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'is not blocked by a stale lock file whose process is gone',
    async () => {
      expect(() => process.kill(DEAD_PID, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
      const dataDir = templateCopy();
      const lockFile = path.join(dataDir, 'pglite.lock');
      fs.writeFileSync(lockFile, String(DEAD_PID));

      const db = await open(dataDir);
      expect(fs.readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
      expect(await db.query<{ answer: number }>('SELECT 41 + 1 AS answer')).toEqual([{ answer: 42 }]);
      await closeAll();
      expect(fs.existsSync(lockFile)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'opens at once after the process holding the folder was killed with kill -9 (still exiting, or a zombie)',
    async () => {
      const dataDir = templateCopy();
      const lockFile = path.join(dataDir, 'pglite.lock');
      const writer = runTs([path.join(FIXTURES, 'pglite-writer.ts'), dataDir, '20000'], childEnv({}));
      await waitFor('a first acknowledged insert', () => writer.stdout().includes('\n'), writer, 25_000);
      expect(fs.readFileSync(lockFile, 'utf8')).toBe(String(writer.pid));
      // No await in between: the killed pid is still there (exiting, then unreaped) when the open starts.
      writer.child.kill('SIGKILL');
      const db = await open(dataDir);
      expect(fs.readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
      expect(await db.query<{ answer: number }>('SELECT 41 + 1 AS answer')).toEqual([{ answer: 42 }]);
      expect(await writer.exited).toEqual({ code: null, signal: 'SIGKILL' });
    },
    TIMEOUT,
  );

  it(
    'refuses openPglite in this process while a live process holds the lock',
    async () => {
      const dataDir = templateCopy();
      const holderPid = process.ppid; // alive for as long as this test runs
      fs.writeFileSync(path.join(dataDir, 'pglite.lock'), String(holderPid));
      await expect(openPglite({ dataDir })).rejects.toThrow(`in use by process ${holderPid}`);
      expect(fs.readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8')).toBe(String(holderPid));
    },
    TIMEOUT,
  );

  it(
    'opens a folder left by a first start killed during initdb (left-over pglite.init-<pid>, no pglite)',
    async () => {
      const dataDir = tempDir();
      const junk = path.join(dataDir, 'pglite.init-12345');
      fs.mkdirSync(path.join(junk, 'base', '1'), { recursive: true });
      fs.writeFileSync(path.join(junk, 'PG_VERSION'), '18\n');
      fs.writeFileSync(path.join(junk, 'base', '1', '1259'), Buffer.alloc(4096, 0xab));
      fs.writeFileSync(path.join(junk, 'postmaster.pid'), '12345\n');

      const db = await open(dataDir);
      expect(fs.existsSync(junk)).toBe(false);
      expect(fs.existsSync(path.join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
      await db.query('CREATE TABLE survived (id int PRIMARY KEY)');
      await db.query('INSERT INTO survived VALUES (1), (2)');
      expect(await db.query('SELECT id FROM survived ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    },
    TIMEOUT,
  );

  it(
    'opens a folder whose first initdb was killed with SIGKILL half-way',
    async () => {
      const dataDir = path.join(tempDir(), 'data');
      const child = runTs([path.join(FIXTURES, 'pglite-open.ts'), dataDir], childEnv({}));
      const staging = path.join(dataDir, `pglite.init-${child.pid}`);
      // initdb has begun once its staging folder exists; it runs for 2-4 s.
      await waitFor('initdb to start', () => fs.existsSync(staging), child);
      await sleep(300);
      expect(fs.existsSync(path.join(dataDir, 'pglite')), 'initdb finished before the kill').toBe(false);
      child.child.kill('SIGKILL');
      expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(child.stdout()).not.toContain('opened');
      expect(fs.existsSync(staging)).toBe(true);
      expect(fs.readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8')).toBe(String(child.pid));

      const db = await open(dataDir);
      expect(fs.readdirSync(dataDir).filter((entry) => entry.startsWith('pglite.init-'))).toEqual([]);
      await db.query('CREATE TABLE after_kill (id int PRIMARY KEY, note text)');
      await db.query('INSERT INTO after_kill VALUES ($1, $2)', [7, 'seven']);
      expect(await db.query('SELECT id, note FROM after_kill')).toEqual([{ id: 7, note: 'seven' }]);

      // And it keeps opening: the folder is an ordinary, complete one now.
      await closeAll();
      const again = await open(dataDir);
      expect(await again.query('SELECT count(*)::int AS n FROM after_kill')).toEqual([{ n: 1 }]);
    },
    TIMEOUT,
  );

  it(
    'loses no acknowledged write when the process is killed with SIGKILL',
    async () => {
      const dataDir = templateCopy();
      // The writer stops by itself after 20 s in any case; we kill it long before.
      const writer = runTs([path.join(FIXTURES, 'pglite-writer.ts'), dataDir, '20000'], childEnv({}));
      const acknowledged = () =>
        writer
          .stdout()
          .split('\n')
          .slice(0, -1) // only complete lines
          .map(Number);
      await waitFor('200 acknowledged inserts', () => acknowledged().length >= 200, writer, 25_000);
      writer.child.kill('SIGKILL');
      expect(await writer.exited).toEqual({ code: null, signal: 'SIGKILL' });

      // Everything the writer printed before it died was acknowledged, also what we read after the kill.
      const acked = acknowledged();
      expect(acked.length).toBeGreaterThanOrEqual(200);
      expect(acked).toEqual(Array.from({ length: acked.length }, (_, i) => i + 1));
      const lastAcked = acked.length;

      const db = await open(dataDir); // the lock is stale now
      const rows = await db.query<{ id: number }>('SELECT id FROM kill_test ORDER BY id');
      const stored = rows.map((row) => Number(row.id));
      const present = new Set(stored);
      expect(acked.filter((id) => !present.has(id))).toEqual([]);
      // Rows 1..M with no gap; at most the one INSERT in flight at the kill went in unacknowledged.
      expect(stored).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
      expect(stored.length - lastAcked).toBeLessThanOrEqual(1);
    },
    TIMEOUT,
  );
});
