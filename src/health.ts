// Which engine serves each role, and whether it answers: /healthz and `polyglot doctor`.
import type { Engine, Role } from './config.ts';

export interface RoleProbe {
  engine: Engine;
  ping(): Promise<void>;
}

export type RoleProbes = Partial<Record<Role, RoleProbe>>;

export interface RoleHealth {
  engine: Engine;
  ok: boolean;
  latency_ms: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  failing: Role[];
  roles: Partial<Record<Role, RoleHealth>>;
}

const PING_TIMEOUT_MS = 2000;

async function probe({ engine, ping }: RoleProbe): Promise<RoleHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)),
          PING_TIMEOUT_MS,
        );
      }),
    ]);
    return { engine, ok: true, latency_ms: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      engine,
      ok: false,
      latency_ms: Math.round(performance.now() - started),
      error: (error as Error).message || String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(probes: RoleProbes): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([role, rp]) => [role as Role, await probe(rp as RoleProbe)] as const),
  );
  const failing = entries.filter(([, health]) => !health.ok).map(([role]) => role);
  return { status: failing.length ? 'unavailable' : 'ok', failing, roles: Object.fromEntries(entries) };
}

/** The report as a terminal table. */
export function formatHealth(report: HealthReport): string {
  const rows = Object.entries(report.roles).map(([role, h]) => [
    role,
    h.engine,
    h.ok ? 'ok' : 'FAILING',
    `${h.latency_ms} ms`,
    h.error ?? '',
  ]);
  const header = ['role', 'engine', 'status', 'latency', 'error'];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const summary = report.failing.length ? `unavailable: ${report.failing.join(', ')}` : 'all roles answer';
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', summary].join('\n');
}
