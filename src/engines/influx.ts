// InfluxDB through its v1 HTTP API (/write, /query, /ping): InfluxDB 1.x serves it, and 2.x
// and 3.x keep it for compatibility (Debian's 1.6 has no /api/v2). INFLUX_URL names the
// server, optional credentials, and the database as its path: http://user:pw@host:8086/polyglot.
// Node's own fetch is the HTTP client; line protocol comes escaped from the adapter.

export interface InfluxConnection {
  readonly database: string;
  /** POSTs line-protocol lines to /write; throws InfluxWriteError when points are refused. */
  write(lines: readonly string[], retentionPolicy: string): Promise<void>;
  /**
   * Runs InfluxQL statements (separated by `;`) with bound parameters (`$name` in the text,
   * sent as the `params` JSON), on `retentionPolicy` when given. Returns each statement's result.
   */
  query(
    text: string,
    params?: Record<string, string | number | boolean>,
    retentionPolicy?: string,
  ): Promise<InfluxResult[]>;
  ping(): Promise<void>;
}

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface InfluxResult {
  statement_id: number;
  series?: InfluxSeries[];
  error?: string;
}

const DEFAULT_DATABASE = 'polyglot';
const TIMEOUT_MS = 10_000;

/**
 * InfluxDB refused some or all points of a write: a 400 "partial write: ... dropped=N" (series
 * limits, field type conflicts, points outside the retention policy) keeps the other points.
 */
export class InfluxWriteError extends Error {
  constructor(
    message: string,
    /** How many points were not stored: as the server says, else all of them. */
    readonly dropped: number,
  ) {
    super(message);
    this.name = 'InfluxWriteError';
  }
}

/** Database names are identifiers we quote ourselves: keep them to plain word characters. */
export function databaseOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\/+|\/+$/g, '')) || DEFAULT_DATABASE;
  if (!/^\w{1,64}$/.test(name))
    throw new Error(`INFLUX_URL: the database "${name}" must be 1-64 letters, digits or _`);
  return name;
}

export function openInflux(url: string, { database }: { database?: string } = {}): InfluxConnection {
  const parsed = new URL(url);
  const base = `${parsed.protocol}//${parsed.host}`;
  const db = database ?? databaseOf(url);
  const headers: Record<string, string> = {};
  // Credentials go in a header, never in a query string that proxies may log.
  if (parsed.username) {
    const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }

  const request = async (path: string, init: RequestInit) => {
    try {
      return await fetch(`${base}${path}`, {
        ...init,
        headers: { ...headers, ...(init.headers as Record<string, string>) },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      // fetch says only "fetch failed"; the cause's code (ECONNREFUSED...) lets the HTTP layer answer 503.
      const cause = (error as { cause?: { code?: string } }).cause;
      const code = cause?.code ?? ((error as Error).name === 'TimeoutError' ? 'ETIMEDOUT' : undefined);
      throw Object.assign(
        new Error(`InfluxDB at ${base} is unreachable: ${code ?? (error as Error).message}`),
        {
          code,
        },
      );
    }
  };

  return {
    database: db,
    async write(lines, retentionPolicy) {
      if (!lines.length) return;
      const search = new URLSearchParams({ db, rp: retentionPolicy, precision: 'ns' });
      const response = await request(`/write?${search}`, { method: 'POST', body: lines.join('\n') });
      if (response.status === 204) return;
      const text = await response.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {}
      const dropped = /dropped=(\d+)/.exec(message);
      throw new InfluxWriteError(
        `InfluxDB refused a write of ${lines.length} points (${response.status}): ${message}`,
        dropped ? Number(dropped[1]) : lines.length,
      );
    },
    async query(text, params = {}, retentionPolicy) {
      const form = new URLSearchParams({ db, q: text, params: JSON.stringify(params) });
      if (retentionPolicy) form.set('rp', retentionPolicy);
      // POST: /query takes reads and writes (CREATE ...) alike there, and the text stays out of URLs.
      const response = await request('/query', { method: 'POST', body: form });
      const body = (await response.json().catch(() => ({}))) as { results?: InfluxResult[]; error?: string };
      if (!response.ok || body.error) {
        throw new Error(`InfluxDB query failed (${response.status}): ${body.error ?? 'no answer'}`);
      }
      const results = body.results ?? [];
      const failed = results.find((result) => result.error);
      if (failed) throw new Error(`InfluxDB query failed: ${failed.error}`);
      return results;
    },
    async ping() {
      const response = await request('/ping', { method: 'GET' });
      if (response.status !== 204) throw new Error(`InfluxDB /ping answered ${response.status}`);
    },
  };
}
