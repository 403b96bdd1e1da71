// loadConfig: environment -> which engine serves each role, validated once at start.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEMO_OPERATOR_EMAIL, KNOWN_VARIABLES, loadConfig, ROLES } from '../src/config.ts';
import { openPglite } from '../src/engines/pglite.ts';
import { parseRedisClusterUrl } from '../src/engines/redis-url.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const DATABASE_URL = 'postgres://polyglot:secret@db.example:5432/polyglot';
const REDIS_URL = 'redis://cache.example:6379';
const MONGODB_URL = 'mongodb://mongo.example:27017/polyglot?replicaSet=rs0';
const NEO4J_URL = 'neo4j://neo4j:secret@graph.example:7687';
const INFLUX_URL = 'http://influx.example:8086/polyglot';

/** loadConfig's ConfigError for `env`, which must name `variable`. */
function configError(env: Record<string, string>, variable: string): ConfigError {
  let caught: unknown;
  try {
    loadConfig(env);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a ConfigError for ${JSON.stringify(env)}`).toBeInstanceOf(ConfigError);
  const error = caught as ConfigError;
  expect(error.variable).toBe(variable);
  expect(error.message).toContain(variable);
  return error;
}

describe('loadConfig defaults', () => {
  it('puts every role on the embedded engines when nothing is set', () => {
    const config = loadConfig({});
    expect(config.stores).toEqual({
      accounts: 'pglite',
      commerce: 'pglite',
      posts: 'pglite',
      graph: 'pglite',
      cache: 'memory',
      jobs: 'pglite',
      analytics: 'pglite',
    });
    expect(Object.keys(config.stores).sort()).toEqual([...ROLES].sort());
    expect(config.urls).toEqual({});
  });

  it('uses ./data, resolved to an absolute path, as DATA_DIR', () => {
    expect(loadConfig({}).dataDir).toBe(path.resolve('./data'));
    expect(path.isAbsolute(loadConfig({}).dataDir)).toBe(true);
    expect(loadConfig({ DATA_DIR: 'elsewhere/db' }).dataDir).toBe(path.resolve('elsewhere/db'));
    expect(loadConfig({ DATA_DIR: '/srv/polyglot' }).dataDir).toBe('/srv/polyglot');
  });

  it('has the documented defaults for the server and the limits', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('localhost');
    expect(config.logLevel).toBe('info');
    expect(config.trustProxy).toBe(false);
    expect(config.keyPrefix).toBe('polyglot:');
    expect(config.rateLimits.failedLoginPerEmailAndAddress).toEqual({ max: 10, windowSeconds: 900 });
    expect(config.rateLimits.failedLoginPerDevice).toEqual({ max: 10, windowSeconds: 900 });
    expect(config.rateLimits.securityWritesPerUser).toEqual({ max: 100, windowSeconds: 300 });
    expect(config.sessionMaxAgeSeconds).toBe(30 * 86400);
    expect(config.events).toEqual({ maxSeats: 2000, perUserPerDay: 20 });
  });

  it('reads the session lifetime and the account-security limits', () => {
    const config = loadConfig({
      SESSION_MAX_AGE_SECONDS: '604800',
      RATE_LIMIT_FAILED_LOGIN_PER_DEVICE: '5/1h',
      RATE_LIMIT_SECURITY_WRITES_PER_USER: '50/10m',
    });
    expect(config.sessionMaxAgeSeconds).toBe(604800);
    expect(config.rateLimits.failedLoginPerDevice).toEqual({ max: 5, windowSeconds: 3600 });
    expect(config.rateLimits.securityWritesPerUser).toEqual({ max: 50, windowSeconds: 600 });
    expect(() => loadConfig({ SESSION_MAX_AGE_SECONDS: '0' })).toThrow(/SESSION_MAX_AGE_SECONDS/);
    expect(() => loadConfig({ RATE_LIMIT_SECURITY_WRITES_PER_USER: 'lots' })).toThrow(
      /RATE_LIMIT_SECURITY_WRITES_PER_USER/,
    );
  });

  it('treats empty and blank values as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '  ', CACHE_STORE: '', LOG_LEVEL: ' ' });
    expect(config.port).toBe(3000);
    expect(config.stores.accounts).toBe('pglite');
    expect(config.stores.cache).toBe('memory');
    expect(config.logLevel).toBe('info');
  });

  it('reads valid numbers, booleans and rate limits', () => {
    const config = loadConfig({
      PORT: '0',
      TRUST_PROXY: 'yes',
      RATE_LIMIT_WRITES_PER_USER: '20/30s',
      RATE_LIMIT_SIGNUP_PER_ADDRESS: '5/h',
      KEY_PREFIX: '{polyglot}:',
    });
    expect(config.port).toBe(0);
    expect(config.trustProxy).toBe(true);
    expect(config.rateLimits.writesPerUser).toEqual({ max: 20, windowSeconds: 30 });
    expect(config.rateLimits.signupPerAddress).toEqual({ max: 5, windowSeconds: 3600 });
    expect(config.keyPrefix).toBe('{polyglot}:');
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
    expect(loadConfig({ EVENT_MAX_SEATS: '10000', EVENTS_PER_USER_PER_DAY: '3' }).events).toEqual({
      maxSeats: 10_000,
      perUserPerDay: 3,
    });
  });
});

describe("each role's own URL moves it", () => {
  it('MONGODB_URL moves posts to MongoDB, and only posts', () => {
    const config = loadConfig({ MONGODB_URL });
    expect(config.stores.posts).toBe('mongo');
    expect(config.urls.MONGODB_URL).toBe(MONGODB_URL);
    expect({ ...config.stores, posts: 'pglite' }).toEqual(loadConfig({}).stores);
  });

  it('NEO4J_URL moves graph to Neo4j, and only graph', () => {
    const config = loadConfig({ NEO4J_URL });
    expect(config.stores.graph).toBe('neo4j');
    expect({ ...config.stores, graph: 'pglite' }).toEqual(loadConfig({}).stores);
  });

  it('INFLUX_URL moves analytics to InfluxDB, and only analytics', () => {
    const config = loadConfig({ INFLUX_URL });
    expect(config.stores.analytics).toBe('influx');
    expect({ ...config.stores, analytics: 'pglite' }).toEqual(loadConfig({}).stores);
  });

  it('REDIS_URL moves cache and jobs to Redis', () => {
    const config = loadConfig({ REDIS_URL });
    expect(config.stores.cache).toBe('redis');
    expect(config.stores.jobs).toBe('redis');
    expect({ ...config.stores, cache: 'memory', jobs: 'pglite' }).toEqual(loadConfig({}).stores);
  });

  it('DATABASE_URL moves every PGlite role to PostgreSQL; the cache stays in memory', () => {
    const config = loadConfig({ DATABASE_URL });
    expect(config.stores).toEqual({
      accounts: 'postgres',
      commerce: 'postgres',
      posts: 'postgres',
      graph: 'postgres',
      cache: 'memory',
      jobs: 'postgres',
      analytics: 'postgres',
    });
    expect(config.urls).toEqual({ DATABASE_URL });
  });

  it("a role's own URL wins over DATABASE_URL", () => {
    const config = loadConfig({ DATABASE_URL, REDIS_URL, MONGODB_URL, NEO4J_URL, INFLUX_URL });
    expect(config.stores).toEqual({
      accounts: 'postgres',
      commerce: 'postgres',
      posts: 'mongo',
      graph: 'neo4j',
      cache: 'redis',
      jobs: 'redis',
      analytics: 'influx',
    });
  });

  it('accepts postgresql:, rediss:, mongodb+srv:, bolt: and https: URLs', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://u@db/x',
      REDIS_URL: 'rediss://cache:6380',
      MONGODB_URL: 'mongodb+srv://cluster.example/polyglot',
      NEO4J_URL: 'bolt://graph:7687',
      INFLUX_URL: 'https://influx.example/polyglot',
    });
    expect(config.stores.accounts).toBe('postgres');
    expect(config.stores.cache).toBe('redis');
    expect(config.stores.posts).toBe('mongo');
    expect(config.stores.graph).toBe('neo4j');
    expect(config.stores.analytics).toBe('influx');
  });
});

describe('REDIS_URL naming a Redis Cluster', () => {
  it('moves cache and jobs to Redis with redis+cluster://host:port,host:port', () => {
    const url = 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001,[::1]:7002';
    const config = loadConfig({ REDIS_URL: url });
    expect(config.stores.cache).toBe('redis');
    expect(config.stores.jobs).toBe('redis');
    expect(config.urls.REDIS_URL).toBe(url);
  });

  it('reads the nodes and the credentials', () => {
    expect(parseRedisClusterUrl('redis+cluster://app:s%40cret@a.example:7000,b.example:7001/')).toEqual({
      nodes: [
        { host: 'a.example', port: 7000 },
        { host: 'b.example', port: 7001 },
      ],
      username: 'app',
      password: 's@cret',
    });
    expect(parseRedisClusterUrl('redis+cluster://:pw@[::1]:7000')).toEqual({
      nodes: [{ host: '::1', port: 7000 }],
      password: 'pw',
    });
  });

  it.each([
    'redis+cluster://',
    'redis+cluster://127.0.0.1',
    'redis+cluster://127.0.0.1:7000,',
    'redis+cluster://127.0.0.1:7000,127.0.0.1:x',
    'redis+cluster://127.0.0.1:7000/0',
  ])('refuses %s with one line naming REDIS_URL', (url) => {
    expect(() => loadConfig({ REDIS_URL: url })).toThrow(
      /^REDIS_URL: .*(expected redis\+cluster:\/\/host:port)/,
    );
  });
});

describe('<ROLE>_STORE wins', () => {
  it('keeps a role on PGlite although its URL is set', () => {
    const config = loadConfig({
      DATABASE_URL,
      MONGODB_URL,
      POSTS_STORE: 'pglite',
      ACCOUNTS_STORE: 'pglite',
      COMMERCE_STORE: 'pglite',
      GRAPH_STORE: 'pglite',
    });
    expect(config.stores.posts).toBe('pglite');
    expect(config.stores.accounts).toBe('pglite');
    // A role that references no other (analytics) follows DATABASE_URL.
    expect(config.stores.analytics).toBe('postgres');
  });

  it('puts a role on PostgreSQL although its own URL is set', () => {
    const config = loadConfig({ DATABASE_URL, NEO4J_URL, INFLUX_URL, GRAPH_STORE: 'postgres' });
    expect(config.stores.graph).toBe('postgres');
    expect(config.stores.analytics).toBe('influx');
  });

  it('keeps the cache in memory and the jobs on PostgreSQL although REDIS_URL is set', () => {
    const config = loadConfig({ DATABASE_URL, REDIS_URL, CACHE_STORE: 'memory', JOBS_STORE: 'postgres' });
    expect(config.stores.cache).toBe('memory');
    expect(config.stores.jobs).toBe('postgres');
  });

  it('accepts surrounding blanks', () => {
    expect(loadConfig({ REDIS_URL, CACHE_STORE: ' redis ' }).stores.cache).toBe('redis');
  });

  it('takes a read replica of DATABASE_URL, and only with a role on PostgreSQL', () => {
    const DATABASE_REPLICA_URL = 'postgres://replica.example:5432/polyglot';
    const config = loadConfig({ DATABASE_URL, DATABASE_REPLICA_URL, REPLICA_READ_YOUR_WRITES_SECONDS: '30' });
    expect(config.urls.DATABASE_REPLICA_URL).toBe(DATABASE_REPLICA_URL);
    expect(config.replica.readYourWritesSeconds).toBe(30);
    expect(loadConfig({}).replica.readYourWritesSeconds).toBe(60);
    expect(() => loadConfig({ DATABASE_REPLICA_URL })).toThrow(/^DATABASE_REPLICA_URL: .*needs DATABASE_URL/);
    const embedded = Object.fromEntries(
      ['ACCOUNTS', 'COMMERCE', 'POSTS', 'GRAPH', 'JOBS', 'ANALYTICS'].map((role) => [
        `${role}_STORE`,
        'pglite',
      ]),
    );
    expect(() => loadConfig({ ...embedded, DATABASE_URL, DATABASE_REPLICA_URL })).toThrow(
      /^DATABASE_REPLICA_URL: no role runs on PostgreSQL/,
    );
  });
});

describe('store combinations are refused before anything opens', () => {
  const DATABASE_URL = 'postgres://nobody@127.0.0.1:1/none';

  it("keeps commerce, and posts and graph on SQL, on the accounts' database", () => {
    // Every role on PGlite but the one under test, which DATABASE_URL would put on PostgreSQL.
    const on = {
      DATABASE_URL,
      ACCOUNTS_STORE: 'pglite',
      COMMERCE_STORE: 'pglite',
      POSTS_STORE: 'pglite',
      GRAPH_STORE: 'pglite',
    };
    expect(configError({ ...on, COMMERCE_STORE: 'postgres' }, 'COMMERCE_STORE').message).toMatch(
      /must share the accounts' database \(pglite\)/,
    );
    expect(configError({ ...on, POSTS_STORE: 'postgres' }, 'POSTS_STORE').message).toMatch(/pglite or mongo/);
    expect(configError({ ...on, GRAPH_STORE: 'postgres' }, 'GRAPH_STORE').message).toMatch(/pglite or neo4j/);
    // On PostgreSQL every role defaults to it: one database, accepted.
    expect(loadConfig({ DATABASE_URL }).stores.commerce).toBe('postgres');
  });

  it('lets posts go to MongoDB and the graph to Neo4j, apart from the accounts', () => {
    const config = loadConfig({ MONGODB_URL, NEO4J_URL });
    expect(config.stores).toMatchObject({ accounts: 'pglite', posts: 'mongo', graph: 'neo4j' });
  });

  it('allows the sqljoin feed only with posts and graph on one SQL database', () => {
    expect(loadConfig({ FEED_STRATEGY: 'sqljoin' }).feed.strategy).toBe('sqljoin');
    configError({ FEED_STRATEGY: 'sqljoin', MONGODB_URL }, 'FEED_STRATEGY');
    configError({ FEED_STRATEGY: 'sqljoin', NEO4J_URL }, 'FEED_STRATEGY');
  });

  it('refuses without touching a store: no data folder is made, no server is asked', () => {
    const dataDir = path.join(os.tmpdir(), `polyglot-never-${process.pid}-${Date.now()}`);
    // The server named is unreachable: the refusal comes from the rules alone, synchronously.
    configError(
      { DATA_DIR: dataDir, DATABASE_URL, ACCOUNTS_STORE: 'pglite', COMMERCE_STORE: 'postgres' },
      'COMMERCE_STORE',
    );
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});

describe('configuration errors name the variable', () => {
  it('a malformed URL', () => {
    expect(configError({ DATABASE_URL: 'not a url' }, 'DATABASE_URL').message).toMatch(/not a valid URL/);
    configError({ REDIS_URL: 'localhost:6379:x' }, 'REDIS_URL');
    configError({ MONGODB_URL: '://nowhere' }, 'MONGODB_URL');
  });

  it('a URL of the wrong protocol', () => {
    expect(configError({ DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL').message).toContain('postgres://');
    configError({ REDIS_URL: 'http://cache:6379' }, 'REDIS_URL');
    configError({ MONGODB_URL: 'postgres://db/x' }, 'MONGODB_URL');
    configError({ NEO4J_URL: 'http://graph:7474' }, 'NEO4J_URL');
    configError({ INFLUX_URL: 'udp://influx:8089' }, 'INFLUX_URL');
  });

  it('an unknown store name, or a store the role cannot run on', () => {
    const error = configError({ CACHE_STORE: 'bogus' }, 'CACHE_STORE');
    expect(error.message).toContain('bogus');
    expect(error.message).toContain('memory, redis');
    configError({ ACCOUNTS_STORE: 'mongo', MONGODB_URL }, 'ACCOUNTS_STORE');
    configError({ GRAPH_STORE: 'Neo4j', NEO4J_URL }, 'GRAPH_STORE');
  });

  it('a store whose URL is not set', () => {
    const error = configError({ GRAPH_STORE: 'neo4j' }, 'GRAPH_STORE');
    expect(error.message).toContain('NEO4J_URL');
    expect(configError({ ACCOUNTS_STORE: 'postgres' }, 'ACCOUNTS_STORE').message).toContain('DATABASE_URL');
    expect(configError({ CACHE_STORE: 'redis' }, 'CACHE_STORE').message).toContain('REDIS_URL');
    expect(configError({ POSTS_STORE: 'mongo' }, 'POSTS_STORE').message).toContain('MONGODB_URL');
    expect(configError({ ANALYTICS_STORE: 'influx' }, 'ANALYTICS_STORE').message).toContain('INFLUX_URL');
  });

  it('a bad number', () => {
    expect(configError({ PORT: 'abc' }, 'PORT').message).toContain('"abc"');
    configError({ PORT: '70000' }, 'PORT');
    configError({ PORT: '-1' }, 'PORT');
    configError({ PORT: '80.5' }, 'PORT');
    configError({ SESSION_TTL_SECONDS: '59' }, 'SESSION_TTL_SECONDS');
    configError({ BODY_LIMIT_BYTES: '1e6' }, 'BODY_LIMIT_BYTES');
    // The database refuses events of more than 10,000 seats, so a larger cap would only mislead.
    configError({ EVENT_MAX_SEATS: '10001' }, 'EVENT_MAX_SEATS');
    configError({ EVENTS_PER_USER_PER_DAY: '0' }, 'EVENTS_PER_USER_PER_DAY');
  });

  it('HTTP timeouts: defaults, values, and a headers timeout longer than the request timeout', () => {
    expect(loadConfig({}).timeouts).toEqual({
      requestMs: 30_000,
      headersMs: 10_000,
      keepAliveMs: 72_000,
      connectionMs: 120_000,
    });
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '2000' }).timeouts).toMatchObject({
      requestMs: 2000,
      headersMs: 2000,
    });
    configError({ REQUEST_TIMEOUT_MS: '0' }, 'REQUEST_TIMEOUT_MS');
    configError({ KEEP_ALIVE_TIMEOUT_MS: '5s' }, 'KEEP_ALIVE_TIMEOUT_MS');
    configError({ CONNECTION_TIMEOUT_MS: '-1' }, 'CONNECTION_TIMEOUT_MS');
    const tooLong = configError(
      { REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '2000' },
      'HEADERS_TIMEOUT_MS',
    );
    expect(tooLong.message).toContain('REQUEST_TIMEOUT_MS');
  });

  it('ADMIN_EMAILS: lower-cased, blanks ignored, the demo operator added in demo mode only', () => {
    expect(loadConfig({ DEMO_MODE: '0' }).adminEmails).toEqual([]);
    expect(loadConfig({ DEMO_MODE: '1' }).adminEmails).toEqual([DEMO_OPERATOR_EMAIL]);
    expect(loadConfig({ DEMO_MODE: 'no', ADMIN_EMAILS: ' Ops@Example.COM, ,b@c.io ' }).adminEmails).toEqual([
      'ops@example.com',
      'b@c.io',
    ]);
    expect(loadConfig({ ADMIN_EMAILS: DEMO_OPERATOR_EMAIL.toUpperCase() }).adminEmails).toEqual([
      DEMO_OPERATOR_EMAIL,
    ]);
    configError({ ADMIN_EMAILS: 'ops@example.com, not an address' }, 'ADMIN_EMAILS');
  });

  it('CURSOR_SECRET: unset by default, at least 32 characters when set', () => {
    expect(loadConfig({}).cursorSecret).toBeUndefined();
    expect(loadConfig({ CURSOR_SECRET: 'k'.repeat(32) }).cursorSecret).toBe('k'.repeat(32));
    configError({ CURSOR_SECRET: 'short' }, 'CURSOR_SECRET');
  });

  it('a bad boolean', () => {
    configError({ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY');
  });

  it('a bad rate limit', () => {
    const error = configError({ RATE_LIMIT_WRITES_PER_USER: '10 per minute' }, 'RATE_LIMIT_WRITES_PER_USER');
    expect(error.message).toContain('10/15m');
    configError({ RATE_LIMIT_LOGIN_PER_ADDRESS: '0/1m' }, 'RATE_LIMIT_LOGIN_PER_ADDRESS');
    configError({ RATE_LIMIT_SIGNUP_PER_ADDRESS: '10/0s' }, 'RATE_LIMIT_SIGNUP_PER_ADDRESS');
    configError({ RATE_LIMIT_FAILED_LOGIN_PER_EMAIL: '10/5w' }, 'RATE_LIMIT_FAILED_LOGIN_PER_EMAIL');
  });

  it('a bad KEY_PREFIX', () => {
    configError({ KEY_PREFIX: 'has spaces' }, 'KEY_PREFIX');
    configError({ KEY_PREFIX: 'x'.repeat(65) }, 'KEY_PREFIX');
    configError({ KEY_PREFIX: 'star*' }, 'KEY_PREFIX');
  });

  it('a bad LOG_LEVEL', () => {
    expect(configError({ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL').message).toContain('verbose');
  });
});

/**
 * `polyglot <command>` in a child process, with no platform variable inherited from us;
 * killed once `until` appears in its output (a server that started does not exit);
 * `onOutput` sees the output so far each time more arrives.
 */
function cli(
  command: 'start' | 'doctor',
  env: Record<string, string>,
  until?: string,
  onOutput?: (stdout: string) => void,
  cwd = ROOT,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv = { ...process.env };
  for (const name of KNOWN_VARIABLES) delete childEnv[name];
  // tsx and the CLI by absolute path, so that the child may run in another folder (its .env).
  const tsx = new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
  const child = spawn(process.execPath, ['--import', tsx, path.join(ROOT, 'src/cli.ts'), command], {
    cwd,
    env: { ...childEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    onOutput?.(stdout);
    if (until && stdout.includes(until)) child.kill('SIGTERM');
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // A server that started after all would never exit: kill it, and the test fails on the code.
  const guard = setTimeout(() => child.kill('SIGKILL'), until ? 150_000 : 20_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

const start = (env: Record<string, string>) => cli('start', env);

describe('the server refuses a bad configuration with one line', () => {
  it('PORT=abc', { timeout: 30_000 }, async () => {
    const { code, stderr } = await start({ PORT: 'abc', LOG_LEVEL: 'silent' });
    expect(code, stderr).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^polyglot: configuration error: PORT: /);
    expect(lines[0]).toContain('"abc"');
    expect(stderr).not.toMatch(/\bat .+:\d+:\d+/); // no stack frame
  });

  it('CACHE_STORE=bogus', { timeout: 30_000 }, async () => {
    const { code, stderr } = await start({ CACHE_STORE: 'bogus', LOG_LEVEL: 'silent' });
    expect(code, stderr).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^polyglot: configuration error: CACHE_STORE: /);
    expect(lines[0]).toContain('bogus');
    expect(stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });
});

describe('.env.example', () => {
  it('lists every variable the platform reads, and no other', () => {
    const text = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    const listed = [...text.matchAll(/^# ([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);
    expect([...new Set(listed)].sort()).toEqual([...KNOWN_VARIABLES].sort());
  });
});

describe('logging, CORS and first-start settings', () => {
  it('logs readable lines on a terminal and JSON otherwise; LOG_FORMAT wins', () => {
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }, false).logFormat).toBe('pretty');
    expect(configError({ LOG_FORMAT: 'colour' }, 'LOG_FORMAT').message).toContain('colour');
  });

  it('logs each request unless LOG_REQUESTS=false, and seeds a first start unless SEED=false', () => {
    expect(loadConfig({})).toMatchObject({ logRequests: true, seedOnFirstStart: true });
    expect(loadConfig({ LOG_REQUESTS: 'false', SEED: 'false' })).toMatchObject({
      logRequests: false,
      seedOnFirstStart: false,
    });
    configError({ SEED: 'maybe' }, 'SEED');
  });

  it('allows no other origin by default, and the origins CORS_ORIGINS lists', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(
      loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    for (const bad of ['app.example.com', 'https://app.example.com/', 'ftp://files.example.com']) {
      expect(configError({ CORS_ORIGINS: bad }, 'CORS_ORIGINS').message).toContain(bad);
    }
  });
});

/** A port that is free now: the OS picks it, we release it. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const missingDataDir = () => path.join(os.tmpdir(), `polyglot-missing-${process.pid}-${Date.now()}`);

describe('early, clear start-up', () => {
  it('refuses a taken PORT in one line, before any data folder is made', { timeout: 30_000 }, async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    const dataDir = missingDataDir();
    try {
      const { code, stderr } = await start({ HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir });
      expect(code, stderr).toBe(1);
      expect(stderr.trimEnd().split('\n'), stderr).toEqual([
        `polyglot: PORT ${port} is already in use on 127.0.0.1; stop what holds it or set PORT to another`,
      ]);
      expect(fs.existsSync(dataDir)).toBe(false);
    } finally {
      holder.close();
    }
  });

  it('prints the address even with LOG_LEVEL=warn', { timeout: 180_000 }, async () => {
    const dataDir = missingDataDir();
    try {
      const { stdout } = await cli(
        'start',
        { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', SEED: 'false', DATA_DIR: dataDir },
        'Polyglot Social is ready at',
      );
      expect(stdout).toMatch(/Polyglot Social is ready at http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('logs one JSON line per request with method, route, status and time', { timeout: 180_000 }, async () => {
    const dataDir = missingDataDir();
    let asked = false;
    try {
      const { stdout } = await cli(
        'start',
        { HOST: '127.0.0.1', PORT: '0', LOG_FORMAT: 'json', SEED: 'false', DATA_DIR: dataDir },
        '"route":"/api/v1/users/:id"',
        (output) => {
          const port = /ready at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
          if (port && !asked) {
            asked = true;
            void fetch(`http://127.0.0.1:${port}/api/v1/users/424242?x=secret`).catch(() => {});
          }
        },
      );
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      const requests = lines.filter((line) => line.route);
      expect(requests).toEqual([
        expect.objectContaining({
          method: 'GET',
          route: '/api/v1/users/:id',
          status: 404,
          response_ms: expect.any(Number),
        }),
      ]);
      expect(stdout).not.toContain('secret');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reads ./.env at start, and a variable set in the environment wins over it', {
    timeout: 30_000,
  }, async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-dotenv-'));
    try {
      fs.writeFileSync(path.join(folder, '.env'), 'PORT=from-dotenv\nLOG_LEVEL=silent\n');
      const fromFile = await cli('start', {}, undefined, undefined, folder);
      expect(fromFile.code).toBe(1);
      expect(fromFile.stderr).toContain('PORT: expected a whole number from 0 to 65535, got "from-dotenv"');
      const fromEnv = await cli('start', { PORT: 'from-environment' }, undefined, undefined, folder);
      expect(fromEnv.stderr).toContain('got "from-environment"');
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('doctor with no server and no data folder says so and makes nothing', { timeout: 30_000 }, async () => {
    const dataDir = missingDataDir();
    const { code, stdout, stderr } = await cli('doctor', {
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
    });
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe(`no data folder yet at ${dataDir}; \`npm start\` creates it`);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('doctor on a data folder checks its engines and migrates nothing', { timeout: 60_000 }, async () => {
    // A data folder made by an older version: initialised, none of today's tables.
    const dataDir = missingDataDir();
    await (await openPglite({ dataDir })).close();
    const { code, stdout, stderr } = await cli('doctor', {
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
    });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('nothing was migrated or changed');
    expect(stdout).toMatch(/accounts\s+pglite/);
    const db = await openPglite({ dataDir });
    try {
      expect(await db.query("SELECT to_regclass('users') AS users")).toEqual([{ users: null }]);
    } finally {
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
