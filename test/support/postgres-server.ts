// PostgreSQL servers of a test's own on free loopback ports, in a temporary folder: a primary
// and, when asked, a streaming replica of it (pg_basebackup -R), so that a test may lag, stop
// or restart them; the machine's shared server is never touched. PostgreSQL refuses to run as
// root: as root, every server command runs as the postgres user (runuser).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './redis-server.ts';

const bindir = (() => {
  const found = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
})();

const asRoot = process.getuid?.() === 0;

/** Why servers of a test's own cannot start here, or undefined when they can. */
export const postgresServerUnavailable: string | undefined = !bindir
  ? 'no PostgreSQL server binaries (pg_config --bindir) on this machine'
  : !fs.existsSync(path.join(bindir, 'initdb'))
    ? `no initdb in ${bindir}`
    : undefined;

/** Runs one of PostgreSQL's programs, as the postgres user when this process is root. */
function run(program: string, args: string[]): string {
  const binary = path.join(bindir as string, program);
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  return execFileSync(command, argv, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
}

export interface PostgresServer {
  port: number;
  /** A URL for `database` (default postgres) as the superuser postgres, trusted on loopback. */
  url(database?: string): string;
  /** `immediate`: like a crash, no checkpoint; `fast`: a clean shut-down. */
  stop(mode?: 'immediate' | 'fast'): void;
  start(): void;
}

function server(home: string, name: string, port: number): PostgresServer {
  const data = path.join(home, name);
  const log = path.join(home, `${name}.log`);
  return {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop(mode = 'fast') {
      run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    },
    start() {
      run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', 'start']);
    },
  };
}

/** Settings for a throw-away server: loopback only, its socket in its own folder, no fsync. */
function configure(data: string, home: string, port: number, extra: string[] = []) {
  const lines = [
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${home}'`,
    'fsync = off',
    'full_page_writes = off',
    'wal_level = replica',
    'max_wal_senders = 4',
    'max_connections = 60',
    ...extra,
  ];
  // Root may write the postgres user's files; any other user runs the servers as itself.
  fs.appendFileSync(path.join(data, 'postgresql.conf'), `${lines.join('\n')}\n`);
}

export interface PostgresCluster {
  primary: PostgresServer;
  /** Makes a streaming replica of the primary as it is now; it applies each commit `applyDelayMs` late. */
  addReplica(options?: { applyDelayMs?: number }): Promise<PostgresServer>;
  /** Stops every server (immediately) and removes the folder. */
  remove(): void;
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  if (postgresServerUnavailable) throw new Error(postgresServerUnavailable);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    fs.chownSync(home, uid, gid);
  }
  const servers: Array<{ data: string; server: PostgresServer }> = [];
  const primaryData = path.join(home, 'primary');
  run('initdb', ['-D', primaryData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  fs.appendFileSync(path.join(primaryData, 'pg_hba.conf'), 'host replication all 127.0.0.1/32 trust\n');
  const primaryPort = await freePort();
  configure(primaryData, home, primaryPort);
  const primary = server(home, 'primary', primaryPort);
  primary.start();
  servers.push({ data: primaryData, server: primary });

  return {
    primary,
    async addReplica({ applyDelayMs = 0 } = {}) {
      const name = `replica${servers.length}`;
      const data = path.join(home, name);
      run('pg_basebackup', [
        ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres'],
        ...['-D', data, '-R', '-X', 'stream', '--no-sync', '-c', 'fast'],
      ]);
      const port = await freePort();
      configure(data, home, port, [`recovery_min_apply_delay = '${applyDelayMs}ms'`]);
      const replica = server(home, name, port);
      replica.start();
      servers.push({ data, server: replica });
      return replica;
    },
    remove() {
      for (const { server } of servers.reverse()) {
        try {
          server.stop('immediate');
        } catch {
          // Already stopped by the test.
        }
      }
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
