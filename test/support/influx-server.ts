// An InfluxDB 1.x of a test's own, started by scripts/start-influxdb.sh (a temporary folder, a
// free loopback port), that a fault test may stop and start again on the same port and data.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const influxServerUnavailable: string | undefined =
  spawnSync('influxd', ['version']).status === 0 ? undefined : 'no influxd binary on this machine';

export interface InfluxServer {
  /** INFLUX_URL of the database `polyglot`. */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}

const script = path.join(import.meta.dirname, '../../scripts/start-influxdb.sh');

async function answersPing(url: string): Promise<boolean> {
  try {
    return (await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(500) })).status === 204;
  } catch {
    return false;
  }
}

export async function startInfluxServer(): Promise<InfluxServer> {
  // Its last line: export INFLUX_HOME=... INFLUX_URL=...
  const last = execFileSync('bash', [script], { encoding: 'utf8', timeout: 30_000 })
    .trim()
    .split('\n')
    .at(-1);
  const home = /INFLUX_HOME=(\S+)/.exec(last ?? '')?.[1];
  const url = /INFLUX_URL=(\S+)/.exec(last ?? '')?.[1];
  if (!home || !url) throw new Error(`scripts/start-influxdb.sh printed no INFLUX_URL: ${last}`);
  const pidFile = path.join(home, 'influxd.pid');
  let running = true;

  const server: InfluxServer = {
    url,
    async stop() {
      if (!running) return;
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      process.kill(pid, 'SIGKILL');
      running = false;
      while (await answersPing(url)) await new Promise((resolve) => setTimeout(resolve, 50));
    },
    async start() {
      const child = spawn('influxd', ['run', '-config', path.join(home, 'influxdb.conf')], {
        stdio: 'ignore',
        detached: true,
      });
      child.unref();
      fs.writeFileSync(pidFile, String(child.pid));
      running = true;
      const deadline = Date.now() + 20_000;
      while (!(await answersPing(url))) {
        if (Date.now() > deadline) throw new Error('InfluxDB did not answer /ping within 20 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async remove() {
      await server.stop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
  return server;
}
