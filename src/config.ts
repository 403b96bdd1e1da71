// Environment -> which engine serves each role, validated once at start.
// Every variable the platform reads is named in KNOWN_VARIABLES; a bad value
// stops the process with one line naming the variable (ConfigError).
import path from 'node:path';
import { VIEWS_RETENTION_HOURS } from './analytics/analytics.port.ts';
import { isRedisClusterUrl, parseRedisClusterUrl } from './engines/redis-url.ts';

export const ROLES = ['accounts', 'commerce', 'posts', 'graph', 'cache', 'jobs', 'analytics'] as const;
export type Role = (typeof ROLES)[number];

export type Engine = 'pglite' | 'postgres' | 'mongo' | 'neo4j' | 'influx' | 'memory' | 'redis';

/** The engines each role can run on, embedded default first. */
const ENGINES_BY_ROLE: Record<Role, readonly Engine[]> = {
  accounts: ['pglite', 'postgres'],
  commerce: ['pglite', 'postgres'],
  posts: ['pglite', 'postgres', 'mongo'],
  graph: ['pglite', 'postgres', 'neo4j'],
  cache: ['memory', 'redis'],
  // The embedded queue is a table in the embedded database, so a job accepted is never lost.
  jobs: ['pglite', 'postgres', 'redis'],
  analytics: ['pglite', 'postgres', 'influx'],
};

/** A role's own server URL, when it has one besides PostgreSQL. */
const OWN_URL: Partial<Record<Role, { variable: UrlVariable; engine: Engine }>> = {
  posts: { variable: 'MONGODB_URL', engine: 'mongo' },
  graph: { variable: 'NEO4J_URL', engine: 'neo4j' },
  analytics: { variable: 'INFLUX_URL', engine: 'influx' },
  cache: { variable: 'REDIS_URL', engine: 'redis' },
  jobs: { variable: 'REDIS_URL', engine: 'redis' },
};

const URL_PROTOCOLS = {
  DATABASE_URL: ['postgres:', 'postgresql:'],
  DATABASE_REPLICA_URL: ['postgres:', 'postgresql:'],
  // redis+cluster://host:port,host:port,... names some nodes of a Redis Cluster.
  REDIS_URL: ['redis:', 'rediss:', 'redis+cluster:'],
  MONGODB_URL: ['mongodb:', 'mongodb+srv:'],
  NEO4J_URL: ['neo4j:', 'neo4j+s:', 'neo4j+ssc:', 'bolt:', 'bolt+s:', 'bolt+ssc:'],
  INFLUX_URL: ['http:', 'https:'],
} as const;
type UrlVariable = keyof typeof URL_PROTOCOLS;

/** The server each engine needs, and the variable that names it. */
const ENGINE_URL: Partial<Record<Engine, UrlVariable>> = {
  postgres: 'DATABASE_URL',
  redis: 'REDIS_URL',
  mongo: 'MONGODB_URL',
  neo4j: 'NEO4J_URL',
  influx: 'INFLUX_URL',
};

export interface RateLimit {
  max: number;
  windowSeconds: number;
}

export interface RateLimits {
  /** Failed log-ins for one email from one client address. */
  failedLoginPerEmailAndAddress: RateLimit;
  /** Failed log-ins for one email from all addresses: stops distributed guessing. */
  failedLoginPerEmail: RateLimit;
  /**
   * Failed log-ins with one device token: a known device is exempt from the two per-email
   * limits above (so strangers cannot lock its owner out), and has this limit instead.
   */
  failedLoginPerDevice: RateLimit;
  signupPerAddress: RateLimit;
  loginPerAddress: RateLimit;
  writesPerUser: RateLimit;
  /** Sign-out, sign-out everywhere and password change: a budget of their own, apart from writesPerUser. */
  securityWritesPerUser: RateLimit;
}

export interface Config {
  host: string;
  port: number;
  logLevel: string;
  /** pretty: one readable line per request (the default on a terminal); json: one JSON object a line. */
  logFormat: 'pretty' | 'json';
  /** One log line per request (method, route, status, time); LOG_REQUESTS=false turns them off. */
  logRequests: boolean;
  /** Origins a browser may call the API from (CORS); empty = the same origin only. */
  corsOrigins: string[];
  /** Fill an empty embedded data folder with demo content on the first start (SEED=false: don't). */
  seedOnFirstStart: boolean;
  trustProxy: boolean;
  dataDir: string;
  stores: Record<Role, Engine>;
  urls: Partial<Record<UrlVariable, string>>;
  /** Prefix of every cache key, so that several deployments (or test runs) share one Redis. */
  keyPrefix: string;
  /** A session ends this long after it was idle (sliding; extended while it is used). */
  sessionTtlSeconds: number;
  /** A session ends this long after sign-in however much it is used (absolute). */
  sessionMaxAgeSeconds: number;
  profileCacheTtlSeconds: number;
  bodyLimitBytes: number;
  timeouts: HttpTimeouts;
  rateLimits: RateLimits;
  /**
   * Demo mode: wallets can be topped up with play money (POST /wallet/deposits). On by default
   * with embedded stores, off when DATABASE_URL is set (real money) unless DEMO_MODE=1.
   */
  demoMode: boolean;
  /**
   * Operators, who may read platform-wide metrics: ADMIN_EMAILS (comma-separated), lower-cased
   * since log-in ignores case; in demo mode also DEMO_OPERATOR_EMAIL.
   */
  adminEmails: string[];
  /**
   * The key that signs list cursors (CURSOR_SECRET, at least 32 characters). Unset: a key made
   * once and kept in the accounts' database, shared by every process using that database.
   */
  cursorSecret: string | undefined;
  /** How long finding and connecting to a PostgreSQL, MongoDB or Neo4j server (or a free pooled connection) may take before the role answers 503. */
  storeConnectTimeoutMs: number;
  /** MongoDB's write concern `w` for the posts role: 'majority' (the default) or a number of members. */
  mongoWriteConcern: 'majority' | number;
  /** Record every API request (route, method, status, time) for /metrics/endpoints; on by default. */
  recordApiRequests: boolean;
  feed: FeedConfig;
  /**
   * How long a PostgreSQL query may take before the request answers 503 (DATABASE_TIMEOUT_MS;
   * waiting for a connection: STORE_CONNECT_TIMEOUT_MS): a slow server never holds requests past it.
   * Migrations at start run under it too.
   */
  databaseTimeoutMs: number;
  replica: ReplicaConfig;
  outbox: OutboxConfig;
  analyticsRetention: AnalyticsRetention;
  events: EventLimits;
}

/** Reads that tolerate lag on a streaming replica of DATABASE_URL (DATABASE_REPLICA_URL). */
export interface ReplicaConfig {
  /**
   * After a write, how long at most the writer's reads wait for the replica by going to the
   * primary: a replica lagging more than this shows the writer an older copy.
   */
  readYourWritesSeconds: number;
}

export interface OutboxConfig {
  /** How often entries whose relay failed, or whose job did not complete within the lease, are relayed again. */
  relayIntervalMs: number;
  /** An entry relayed but not completed within this many seconds is relayed again. */
  leaseSeconds: number;
}

/** How long the SQL analytics tables keep events (InfluxDB's retention policies do it there). */
export interface AnalyticsRetention {
  viewsHours: number;
  requestsDays: number;
  /** How often expired events are deleted. */
  intervalSeconds: number;
}

/** Bounds on seated events, so that one account cannot grow the seats table without end. */
export interface EventLimits {
  /** Seats of one event (EVENT_MAX_SEATS); the database allows at most 10,000. */
  maxSeats: number;
  /** Events one organizer may create in any 24 hours (EVENTS_PER_USER_PER_DAY), counted in the database. */
  perUserPerDay: number;
}

/**
 * How long a client may take, in milliseconds: a request whose headers or body trickle in
 * (slowloris) is answered 408 and its connection closed instead of holding it open.
 */
export interface HttpTimeouts {
  /** The whole request, headers and body, must arrive within this. */
  requestMs: number;
  /** The headers must arrive within this (at most requestMs). */
  headersMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
  /** A connection silent in both directions for this long is closed. */
  connectionMs: number;
}

/** How home feeds are built: fan-out on write (default), pull on read, or the article's SQL join. */
export const FEED_STRATEGIES = ['fanout', 'pull', 'sqljoin'] as const;
export type FeedStrategy = (typeof FEED_STRATEGIES)[number];

export interface FeedConfig {
  strategy: FeedStrategy;
  /** Followers who signed in within this many days get new posts fanned out to their timelines. */
  activeDays: number;
  /** Authors with more followers than this are not fanned out; their posts are merged at read time. */
  fanoutThreshold: number;
}

/** The operator account the demo seed creates (and prints the log-in of): an operator in demo mode. */
export const DEMO_OPERATOR_EMAIL = 'operator@example.com';

export const KNOWN_VARIABLES = [
  'HOST',
  'PORT',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'LOG_REQUESTS',
  'CORS_ORIGINS',
  'SEED',
  'TRUST_PROXY',
  'DATA_DIR',
  ...(Object.keys(URL_PROTOCOLS) as UrlVariable[]),
  ...ROLES.map((role) => `${role.toUpperCase()}_STORE`),
  'KEY_PREFIX',
  'SESSION_TTL_SECONDS',
  'SESSION_MAX_AGE_SECONDS',
  'PROFILE_CACHE_TTL_SECONDS',
  'BODY_LIMIT_BYTES',
  'REQUEST_TIMEOUT_MS',
  'HEADERS_TIMEOUT_MS',
  'KEEP_ALIVE_TIMEOUT_MS',
  'CONNECTION_TIMEOUT_MS',
  'RATE_LIMIT_FAILED_LOGIN_PER_EMAIL_AND_ADDRESS',
  'RATE_LIMIT_FAILED_LOGIN_PER_EMAIL',
  'RATE_LIMIT_FAILED_LOGIN_PER_DEVICE',
  'RATE_LIMIT_SIGNUP_PER_ADDRESS',
  'RATE_LIMIT_LOGIN_PER_ADDRESS',
  'RATE_LIMIT_WRITES_PER_USER',
  'RATE_LIMIT_SECURITY_WRITES_PER_USER',
  'DEMO_MODE',
  'ADMIN_EMAILS',
  'CURSOR_SECRET',
  'MONGODB_WRITE_CONCERN',
  'STORE_CONNECT_TIMEOUT_MS',
  'ANALYTICS_RECORD_REQUESTS',
  'FEED_STRATEGY',
  'FEED_ACTIVE_DAYS',
  'FEED_FANOUT_THRESHOLD',
  'DATABASE_TIMEOUT_MS',
  'REPLICA_READ_YOUR_WRITES_SECONDS',
  'OUTBOX_RELAY_INTERVAL_MS',
  'OUTBOX_LEASE_SECONDS',
  'ANALYTICS_VIEWS_RETENTION_HOURS',
  'ANALYTICS_REQUESTS_RETENTION_DAYS',
  'ANALYTICS_RETENTION_INTERVAL_SECONDS',
  'EVENT_MAX_SEATS',
  'EVENTS_PER_USER_PER_DAY',
] as const;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function readString(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** 'majority', or how many replica-set members must acknowledge a write (1-50). */
function readWriteConcern(env: Env, name: string): 'majority' | number {
  const raw = readString(env, name, 'majority');
  if (raw === 'majority') return raw;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 50) {
    throw new ConfigError(name, `expected majority or a number of members from 1 to 50, got "${raw}"`);
  }
  return Number(raw);
}

/** The sqljoin strategy is one SQL query over posts and follows: both on one PostgreSQL database. */
function readFeed(env: Env, stores: Record<Role, Engine>): FeedConfig {
  const strategy = readString(env, 'FEED_STRATEGY', 'fanout');
  if (!(FEED_STRATEGIES as readonly string[]).includes(strategy)) {
    throw new ConfigError(
      'FEED_STRATEGY',
      `unknown strategy "${strategy}"; choose one of ${FEED_STRATEGIES.join(', ')}`,
    );
  }
  const sql = ['pglite', 'postgres'];
  if (strategy === 'sqljoin' && !(sql.includes(stores.posts) && stores.posts === stores.graph)) {
    throw new ConfigError(
      'FEED_STRATEGY',
      `sqljoin needs posts and graph on one PostgreSQL database (posts: ${stores.posts}, graph: ${stores.graph})`,
    );
  }
  return {
    strategy: strategy as FeedStrategy,
    activeDays: readInteger(env, 'FEED_ACTIVE_DAYS', 30, 1, 365),
    fanoutThreshold: readInteger(env, 'FEED_FANOUT_THRESHOLD', 10_000, 0, 1_000_000_000),
  };
}

/** A replica serves reads of the PostgreSQL roles: it needs DATABASE_URL and a role there. */
function readReplica(env: Env, urls: Config['urls'], stores: Record<Role, Engine>): ReplicaConfig {
  if (urls.DATABASE_REPLICA_URL) {
    if (!urls.DATABASE_URL) {
      throw new ConfigError('DATABASE_REPLICA_URL', 'a replica of DATABASE_URL needs DATABASE_URL to be set');
    }
    if (!Object.values(stores).includes('postgres')) {
      throw new ConfigError('DATABASE_REPLICA_URL', 'no role runs on PostgreSQL, so no read would use it');
    }
  }
  return { readYourWritesSeconds: readInteger(env, 'REPLICA_READ_YOUR_WRITES_SECONDS', 60, 1, 3600) };
}

function readTimeouts(env: Env): HttpTimeouts {
  const requestMs = readInteger(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 600_000);
  const headersMs = readInteger(env, 'HEADERS_TIMEOUT_MS', Math.min(10_000, requestMs), 100, 600_000);
  // Node refuses a headers timeout longer than the request timeout.
  if (headersMs > requestMs) {
    throw new ConfigError('HEADERS_TIMEOUT_MS', `must not exceed REQUEST_TIMEOUT_MS (${requestMs})`);
  }
  return {
    requestMs,
    headersMs,
    // Longer than a load balancer's usual 60 s idle timeout, or it would reuse a closed connection (502).
    keepAliveMs: readInteger(env, 'KEEP_ALIVE_TIMEOUT_MS', 72_000, 100, 600_000),
    connectionMs: readInteger(env, 'CONNECTION_TIMEOUT_MS', 120_000, 100, 3_600_000),
  };
}

/** ADMIN_EMAILS: comma-separated addresses, blanks ignored; the demo operator joins in demo mode. */
function readAdminEmails(env: Env, demoMode: boolean): string[] {
  const emails = (env.ADMIN_EMAILS ?? '')
    .split(',')
    .map((email) => email.trim().toLowerCase())
    .filter(Boolean);
  const bad = emails.find((email) => !/^[^\s@]+@[^\s@]+$/.test(email));
  if (bad !== undefined) {
    throw new ConfigError('ADMIN_EMAILS', `expected comma-separated e-mail addresses, got "${bad}"`);
  }
  return [...new Set(demoMode ? [...emails, DEMO_OPERATOR_EMAIL] : emails)];
}

function readCursorSecret(env: Env): string | undefined {
  const secret = env.CURSOR_SECRET?.trim();
  if (!secret) return undefined;
  if (secret.length < 32) throw new ConfigError('CURSOR_SECRET', 'use at least 32 random characters');
  return secret;
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "10/15m" = at most 10 in any 15-minute window. */
function readRateLimit(env: Env, name: string, fallback: string): RateLimit {
  const raw = readString(env, name, fallback);
  const match = /^(\d+)\/(\d*)([smhd])$/.exec(raw);
  if (!match || Number(match[1]) < 1) {
    throw new ConfigError(name, `expected COUNT/WINDOW such as 10/15m (units s, m, h, d), got "${raw}"`);
  }
  const [, max, amount, unit] = match as unknown as [string, string, string, string];
  const windowSeconds = (amount ? Number(amount) : 1) * (UNIT_SECONDS[unit] ?? 1);
  if (windowSeconds < 1) throw new ConfigError(name, `the window must be at least one second, got "${raw}"`);
  return { max: Number(max), windowSeconds };
}

/** A comma-separated list of origins (scheme://host[:port]), or * for any origin. */
function readOrigins(env: Env, name: string): string[] {
  const raw = readString(env, name, '');
  if (!raw) return [];
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (origin === '*') continue;
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {}
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== origin) {
      throw new ConfigError(
        name,
        `"${origin}" is not an origin such as https://app.example.com (no path, no trailing /)`,
      );
    }
  }
  return origins;
}

function readUrl(env: Env, name: UrlVariable): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (name === 'REDIS_URL' && isRedisClusterUrl(raw)) {
    try {
      parseRedisClusterUrl(raw);
    } catch (error) {
      throw new ConfigError(
        name,
        `${(error as Error).message} (expected redis+cluster://host:port,host:port,...)`,
      );
    }
    return raw;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  const allowed: readonly string[] = URL_PROTOCOLS[name];
  if (!allowed.includes(url.protocol)) {
    throw new ConfigError(name, `expected a URL starting with ${allowed.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function chooseEngine(role: Role, env: Env, urls: Config['urls']): Engine {
  const variable = `${role.toUpperCase()}_STORE`;
  const allowed = ENGINES_BY_ROLE[role];
  const explicit = env[variable]?.trim();
  let engine: Engine;
  if (explicit) {
    if (!allowed.includes(explicit as Engine)) {
      throw new ConfigError(
        variable,
        `unknown store "${explicit}" for ${role}; choose one of ${allowed.join(', ')}`,
      );
    }
    engine = explicit as Engine;
  } else {
    const own = OWN_URL[role];
    if (own && urls[own.variable]) engine = own.engine;
    else if (urls.DATABASE_URL && allowed.includes('postgres')) engine = 'postgres';
    else engine = allowed[0] as Engine;
  }
  const needs = ENGINE_URL[engine];
  if (needs && !urls[needs]) throw new ConfigError(variable, `${role} on ${engine} needs ${needs} to be set`);
  return engine;
}

/**
 * Roles whose SQL tables reference the accounts' (foreign keys to users) or move their
 * counters in one transaction must run on the accounts' own database; each may instead go to
 * the engine of its own named here. Checked before anything opens, so a refused
 * combination never touches a database.
 */
const SHARES_ACCOUNTS_DATABASE: Partial<Record<Role, { why: string; own?: Engine }>> = {
  // Wallets, products and orders reference users, and GET /me counts orders.
  commerce: { why: 'wallets, products and orders reference its users' },
  // Posts reference their authors and keep the profiles' posts counts.
  posts: { why: 'posts reference their authors and keep their posts counts', own: 'mongo' },
  // The edge table references users and keeps their profile counters.
  graph: { why: 'follows reference users and keep their follower counts', own: 'neo4j' },
};

function checkSharedDatabase(stores: Record<Role, Engine>): void {
  for (const [role, { why, own }] of Object.entries(SHARES_ACCOUNTS_DATABASE) as [
    Role,
    { why: string; own?: Engine },
  ][]) {
    const engine = stores[role];
    if (engine === own || engine === stores.accounts) continue;
    const choices = own ? `${stores.accounts} or ${own}` : stores.accounts;
    throw new ConfigError(
      `${role.toUpperCase()}_STORE`,
      `${role} on ${engine} must share the accounts' database (${stores.accounts}): ${why}; use ${choices}`,
    );
  }
}

/** `terminal`: whether stdout is a terminal, which makes pretty logs the default. */
export function loadConfig(env: Env = process.env, terminal = process.stdout.isTTY === true): Config {
  const urls: Config['urls'] = {};
  for (const name of Object.keys(URL_PROTOCOLS) as UrlVariable[]) {
    const url = readUrl(env, name);
    if (url) urls[name] = url;
  }
  const stores = Object.fromEntries(ROLES.map((role) => [role, chooseEngine(role, env, urls)])) as Record<
    Role,
    Engine
  >;
  checkSharedDatabase(stores);
  const keyPrefix = readString(env, 'KEY_PREFIX', 'polyglot:');
  if (!/^[\w:.{}-]{1,64}$/.test(keyPrefix)) {
    throw new ConfigError('KEY_PREFIX', 'use 1-64 letters, digits and _ : . - { }');
  }
  const logLevel = readString(env, 'LOG_LEVEL', 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `unknown level "${logLevel}"`);
  }
  const demoMode = readBoolean(env, 'DEMO_MODE', !urls.DATABASE_URL);
  const logFormat = readString(env, 'LOG_FORMAT', terminal ? 'pretty' : 'json');
  if (logFormat !== 'pretty' && logFormat !== 'json') {
    throw new ConfigError('LOG_FORMAT', `expected pretty or json, got "${logFormat}"`);
  }
  return {
    host: readString(env, 'HOST', 'localhost'),
    port: readInteger(env, 'PORT', 3000, 0, 65535),
    logLevel,
    logFormat,
    logRequests: readBoolean(env, 'LOG_REQUESTS', true),
    corsOrigins: readOrigins(env, 'CORS_ORIGINS'),
    seedOnFirstStart: readBoolean(env, 'SEED', true),
    trustProxy: readBoolean(env, 'TRUST_PROXY', false),
    dataDir: path.resolve(readString(env, 'DATA_DIR', './data')),
    stores,
    urls,
    keyPrefix,
    sessionTtlSeconds: readInteger(env, 'SESSION_TTL_SECONDS', 3600, 60, 90 * 86400),
    sessionMaxAgeSeconds: readInteger(env, 'SESSION_MAX_AGE_SECONDS', 30 * 86400, 1, 365 * 86400),
    profileCacheTtlSeconds: readInteger(env, 'PROFILE_CACHE_TTL_SECONDS', 300, 1, 86400),
    bodyLimitBytes: readInteger(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
    timeouts: readTimeouts(env),
    rateLimits: {
      failedLoginPerEmailAndAddress: readRateLimit(
        env,
        'RATE_LIMIT_FAILED_LOGIN_PER_EMAIL_AND_ADDRESS',
        '10/15m',
      ),
      failedLoginPerEmail: readRateLimit(env, 'RATE_LIMIT_FAILED_LOGIN_PER_EMAIL', '100/1h'),
      failedLoginPerDevice: readRateLimit(env, 'RATE_LIMIT_FAILED_LOGIN_PER_DEVICE', '10/15m'),
      signupPerAddress: readRateLimit(env, 'RATE_LIMIT_SIGNUP_PER_ADDRESS', '300/1h'),
      loginPerAddress: readRateLimit(env, 'RATE_LIMIT_LOGIN_PER_ADDRESS', '600/1h'),
      writesPerUser: readRateLimit(env, 'RATE_LIMIT_WRITES_PER_USER', '300/5m'),
      securityWritesPerUser: readRateLimit(env, 'RATE_LIMIT_SECURITY_WRITES_PER_USER', '100/5m'),
    },
    demoMode,
    adminEmails: readAdminEmails(env, demoMode),
    cursorSecret: readCursorSecret(env),
    mongoWriteConcern: readWriteConcern(env, 'MONGODB_WRITE_CONCERN'),
    storeConnectTimeoutMs: readInteger(env, 'STORE_CONNECT_TIMEOUT_MS', 5000, 50, 600_000),
    recordApiRequests: readBoolean(env, 'ANALYTICS_RECORD_REQUESTS', true),
    feed: readFeed(env, stores),
    databaseTimeoutMs: readInteger(env, 'DATABASE_TIMEOUT_MS', 30_000, 100, 600_000),
    replica: readReplica(env, urls, stores),
    outbox: {
      relayIntervalMs: readInteger(env, 'OUTBOX_RELAY_INTERVAL_MS', 5000, 50, 3_600_000),
      leaseSeconds: readInteger(env, 'OUTBOX_LEASE_SECONDS', 60, 1, 86_400),
    },
    analyticsRetention: {
      viewsHours: readInteger(env, 'ANALYTICS_VIEWS_RETENTION_HOURS', VIEWS_RETENTION_HOURS, 1, 24 * 3650),
      requestsDays: readInteger(env, 'ANALYTICS_REQUESTS_RETENTION_DAYS', 30, 1, 3650),
      intervalSeconds: readInteger(env, 'ANALYTICS_RETENTION_INTERVAL_SECONDS', 3600, 1, 86_400),
    },
    events: {
      maxSeats: readInteger(env, 'EVENT_MAX_SEATS', 2000, 1, 10_000),
      perUserPerDay: readInteger(env, 'EVENTS_PER_USER_PER_DAY', 20, 1, 100_000),
    },
  };
}
