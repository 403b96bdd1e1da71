import { describe, expect, it } from 'vitest';
import { checkHealth, formatHealth } from '../src/health.ts';

describe('health checks', () => {
  it('names the roles that fail, hang or answer', async () => {
    const report = await checkHealth({
      accounts: { engine: 'postgres', ping: async () => {} },
      cache: { engine: 'redis', ping: async () => Promise.reject(new Error('connection refused')) },
      graph: { engine: 'neo4j', ping: () => new Promise(() => {}) },
    });
    expect(report.status).toBe('unavailable');
    expect(report.failing.sort()).toEqual(['cache', 'graph']);
    expect(report.roles.accounts).toMatchObject({ engine: 'postgres', ok: true });
    expect(report.roles.cache).toMatchObject({ ok: false, error: 'connection refused' });
    expect(report.roles.graph).toMatchObject({ ok: false, error: 'no answer within 2000 ms' });

    const table = formatHealth(report);
    expect(table).toMatch(/^role\s+engine\s+status/);
    expect(table).toMatch(/cache\s+redis\s+FAILING/);
    expect(table).toMatch(/accounts\s+postgres\s+ok/);
    expect(table.trim().split('\n').at(-1)).toBe('unavailable: cache, graph');
  });

  it('is ok when every role answers', async () => {
    const report = await checkHealth({ accounts: { engine: 'pglite', ping: async () => {} } });
    expect(report).toMatchObject({ status: 'ok', failing: [] });
    expect(formatHealth(report)).toContain('all roles answer');
  });
});
