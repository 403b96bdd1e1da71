// PGlite: PostgreSQL compiled to WebAssembly, in this process, with its data in DATA_DIR.
// Two dangers are handled here (electric-sql/pglite issues #323, #1106): two processes on one data
// directory silently corrupt it, so a lock file refuses the second; and a first
// initdb killed half-way leaves a directory that never opens again, so the first
// start initialises into a temporary directory and renames it into place.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { DATE_OID, INT8_OID, parseDate, parseInt8, type SqlClient, type SqlDatabase } from './sql.ts';

export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `the data folder ${dataDir} is in use by process ${pid}; stop it first, or set DATA_DIR to another folder`,
    );
    this.name = 'DataDirInUseError';
  }
}

const PGDATA = 'pglite';
const LOCK = 'pglite.lock';
const INIT_PREFIX = 'pglite.init-';

/** A lock holder that is still alive this long after we first saw it refuses the open. */
const HOLDER_WAIT_MS = 5000;
const HOLDER_POLL_MS = 100;

/**
 * Whether the process still runs. One killed with kill -9 stays visible for a while, exiting and
 * then a zombie until its parent reaps it, and process.kill(pid, 0) succeeds all that time: where
 * /proc tells, a zombie (Z) or dead (X) process is gone.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // "PID (COMMAND) STATE ...": the command may hold spaces and parentheses, the state follows the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No /proc (macOS, Windows), or the process vanished in between: kill(pid, 0) decides.
    return !fs.existsSync('/proc');
  }
}

/**
 * Whether the process holding a lock still runs after up to HOLDER_WAIT_MS: a holder that is
 * exiting (a supervisor restarting right after kill -9) is waited for rather than refused.
 */
async function stillAliveAfterWaiting(pid: number): Promise<boolean> {
  const deadline = Date.now() + HOLDER_WAIT_MS;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return true;
    await new Promise((resolve) => setTimeout(resolve, HOLDER_POLL_MS));
  }
  return false;
}

const readPid = (file: string): number | undefined => {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

// Data folders this process has open: its own pid in a lock file proves nothing about
// them, so a second open in one process is refused here rather than by the pid check.
const openHere = new Set<string>();

/** Takes the data folder's lock (a pid file created exclusively), or throws DataDirInUseError. */
async function acquireLock(dataDir: string): Promise<() => void> {
  const lockPath = path.join(dataDir, LOCK);
  const folder = fs.realpathSync(dataDir);
  if (openHere.has(folder)) throw new DataDirInUseError(dataDir, process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      openHere.add(folder);
      return () => {
        openHere.delete(folder);
        // Only remove the lock if it is still ours.
        if (readPid(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readPid(lockPath);
      if (holder !== undefined && holder !== process.pid && (await stillAliveAfterWaiting(holder))) {
        throw new DataDirInUseError(dataDir, holder);
      }
      // A stale lock: its process died (kill -9, power loss). Move it aside under a name of
      // our own, and look at what we moved: if another process took the folder over in the
      // meantime, its fresh lock goes back and we refuse.
      const aside = `${lockPath}.stale-${process.pid}`;
      try {
        fs.renameSync(lockPath, aside);
      } catch (renameError) {
        if ((renameError as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw renameError;
      }
      const moved = readPid(aside);
      if (moved !== undefined && moved !== holder && isAlive(moved)) {
        try {
          fs.linkSync(aside, lockPath);
        } finally {
          fs.rmSync(aside, { force: true });
        }
        throw new DataDirInUseError(dataDir, moved);
      }
      fs.rmSync(aside, { force: true });
    }
  }
  throw new Error(`could not take the lock ${lockPath}`);
}

export interface PgliteOptions {
  dataDir: string;
}

export async function openPglite({ dataDir }: PgliteOptions): Promise<SqlDatabase> {
  fs.mkdirSync(dataDir, { recursive: true });
  const releaseLock = await acquireLock(dataDir);
  try {
    const db = await openDataDirectory(dataDir);
    return wrap(db, releaseLock);
  } catch (error) {
    releaseLock();
    throw error;
  }
}

const pgliteOptions = {
  extensions: { pg_trgm },
  parsers: { [INT8_OID]: parseInt8, [DATE_OID]: parseDate },
};

async function openDataDirectory(dataDir: string): Promise<PGlite> {
  const pgdata = path.join(dataDir, PGDATA);
  // Left-overs of a first start that was killed during initdb; we hold the lock, so none is in use.
  for (const entry of fs.readdirSync(dataDir)) {
    if (entry.startsWith(INIT_PREFIX)) fs.rmSync(path.join(dataDir, entry), { recursive: true, force: true });
  }
  if (!fs.existsSync(pgdata)) {
    const staging = path.join(dataDir, `${INIT_PREFIX}${process.pid}`);
    const fresh = await PGlite.create(staging, pgliteOptions);
    await fresh.close();
    fs.renameSync(staging, pgdata);
  }
  return PGlite.create(pgdata, pgliteOptions);
}

function wrap(db: PGlite, releaseLock: () => void): SqlDatabase {
  const clientOf = (runner: PGlite | Transaction): SqlClient => ({
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await runner.query<Row>(text, params as unknown[]);
      return result.rows;
    },
    async script(sql: string) {
      await runner.exec(sql);
    },
  });
  let closed = false;
  const direct = clientOf(db);
  return {
    engine: 'pglite',
    ...direct,
    // One process, one copy: there is no replica to read from.
    read: () => direct,
    // PGlite holds its single backend for the whole callback: inside it, use tx only.
    transaction: (work) => db.transaction((tx) => work(clientOf(tx))),
    async ping() {
      await db.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        releaseLock();
      }
    },
  };
}
