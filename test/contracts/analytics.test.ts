import { describe, expect, it } from 'vitest';
import { createInfluxAnalytics, REQUESTS_POLICY } from '../../src/analytics/analytics.influx.ts';
import { createPostgresAnalytics } from '../../src/analytics/analytics.postgres.ts';
import { databaseOf, InfluxWriteError, openInflux } from '../../src/engines/influx.ts';
import { dropInfluxDatabase, freshInfluxUrl, freshSqlDatabase, type SqlEngine } from '../support/stores.ts';
import { servers } from '../support/targets.ts';
import { analyticsContract } from './analytics.contract.ts';

const sqlHarness = (engine: SqlEngine) => async () => {
  const db = await freshSqlDatabase(engine);
  return { analytics: createPostgresAnalytics(db), close: () => db.close() };
};

analyticsContract('PGlite (embedded)', sqlHarness('pglite'));
analyticsContract('PostgreSQL (server)', sqlHarness('postgres'), servers.postgres.skipReason);
analyticsContract(
  'InfluxDB (server, v1 HTTP API)',
  async () => {
    // A database of its own for this run, dropped at the end: other data on that server is never touched.
    const url = freshInfluxUrl();
    const analytics = await createInfluxAnalytics(openInflux(url));
    return { analytics, close: () => dropInfluxDatabase(url) };
  },
  servers.influx.skipReason,
);

describe.skipIf(servers.influx.skipReason !== undefined)(
  `InfluxDB writes${servers.influx.skipReason ? ` [SKIPPED: ${servers.influx.skipReason}]` : ''}`,
  () => {
    it('surfaces a partial write with the number of points dropped, keeping the rest', async () => {
      const url = freshInfluxUrl();
      const influx = openInflux(url);
      try {
        await createInfluxAnalytics(influx);
        const now = BigInt(Date.now()) * 1_000_000n;
        await influx.write([`probe,k=a v=1i ${now}`], REQUESTS_POLICY.name);
        // A float where the field is an integer: InfluxDB drops that point and stores the other.
        const refused = influx.write(
          [`probe,k=a v=1.5 ${now + 1n}`, `probe,k=a v=3i ${now + 2n}`],
          REQUESTS_POLICY.name,
        );
        await expect(refused).rejects.toBeInstanceOf(InfluxWriteError);
        await expect(refused).rejects.toMatchObject({
          dropped: 1,
          message: expect.stringMatching(/partial write/),
        });
        const [result] = await influx.query('SELECT count(v) FROM probe', {}, REQUESTS_POLICY.name);
        expect(result?.series?.[0]?.values[0]?.[1]).toBe(2);
      } finally {
        await dropInfluxDatabase(url);
      }
    });
  },
);

describe('InfluxDB connection', () => {
  it('reads the database from the URL path, with a default, and refuses names it would have to escape', () => {
    expect(databaseOf('http://127.0.0.1:8086/social')).toBe('social');
    expect(databaseOf('http://u:p@127.0.0.1:8086')).toBe('polyglot');
    expect(() => databaseOf('http://127.0.0.1:8086/a%22b')).toThrow(/letters, digits/);
  });
});
