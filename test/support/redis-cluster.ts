// A Redis Cluster of a test's own (scripts/start-redis-cluster.sh) on free loopback ports, for
// fault tests that kill a master; the cluster CI shares between suites is never touched.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/start-redis-cluster.sh', import.meta.url));

export interface TestRedisCluster {
  url: string;
  /** The client ports of the nodes that are masters now. */
  masters(): Promise<number[]>;
  /** Kills a node with SIGKILL (no goodbye to the cluster). */
  kill(port: number): void;
  /** Kills every node and removes the cluster's folder. */
  stop(): void;
}

export async function startRedisCluster(
  masters: number,
  replicas: number,
  nodeTimeoutMs = 1000,
): Promise<TestRedisCluster> {
  const { stdout } = await run('bash', [SCRIPT, String(masters), String(replicas)], {
    env: { ...process.env, REDIS_CLUSTER_NODE_TIMEOUT_MS: String(nodeTimeoutMs) },
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  const home = /REDIS_CLUSTER_HOME=(\S+)/.exec(last)?.[1];
  const url = /REDIS_CLUSTER_URL=(\S+)/.exec(last)?.[1];
  if (!home || !url) throw new Error(`the cluster did not start:\n${stdout}`);
  const pidOf = (port: number) => Number(fs.readFileSync(path.join(home, `redis-${port}.pid`), 'utf8'));
  const ports = [...url.matchAll(/:(\d+)/g)].map((match) => Number(match[1]));
  return {
    url,
    async masters() {
      for (const port of ports) {
        try {
          const { stdout: nodes } = await run('redis-cli', ['-p', String(port), 'cluster', 'nodes']);
          return nodes
            .split('\n')
            .filter(
              (line) => / master /.test(` ${line.split(' ')[2]?.replace(/,/g, ' ')} `) && !/fail/.test(line),
            )
            .map((line) => Number(/:(\d+)@/.exec(line)?.[1]));
        } catch {}
      }
      throw new Error('no node of the cluster answers');
    },
    kill(port) {
      process.kill(pidOf(port), 'SIGKILL');
    },
    stop() {
      for (const port of ports) {
        try {
          process.kill(pidOf(port), 'SIGKILL');
        } catch {}
      }
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
