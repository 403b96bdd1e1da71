// Environment -> which engine serves each role, validated once at start.
// Every variable the platform reads is named in KNOWN_VARIABLES; a bad value
// stops the process with one line naming the variable (ConfigError).
import path from 'node:path';

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
  REDIS_URL: ['redis:', 'rediss:'],
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
  signupPerAddress: RateLimit;
  loginPerAddress: RateLimit;
  writesPerUser: RateLimit;
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
  sessionTtlSeconds: number;
  profileCacheTtlSeconds: number;
  bodyLimitBytes: number;
  rateLimits: RateLimits;
  /**
   * Demo mode: wallets can be topped up with play money (POST /wallet/deposits). On by default
   * with embedded stores, off when DATABASE_URL is set (real money) unless DEMO_MODE=1.
   */
  demoMode: boolean;
  /** MongoDB's write concern `w` for the posts role: 'majority' (the default) or a number of members. */
  mongoWriteConcern: 'majority' | number;
  /** Record every API request (route, method, status, time) for /metrics/endpoints; on by default. */
  recordApiRequests: boolean;
  feed: FeedConfig;
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
  'PROFILE_CACHE_TTL_SECONDS',
  'BODY_LIMIT_BYTES',
  'RATE_LIMIT_FAILED_LOGIN_PER_EMAIL_AND_ADDRESS',
  'RATE_LIMIT_FAILED_LOGIN_PER_EMAIL',
  'RATE_LIMIT_SIGNUP_PER_ADDRESS',
  'RATE_LIMIT_LOGIN_PER_ADDRESS',
  'RATE_LIMIT_WRITES_PER_USER',
  'DEMO_MODE',
  'MONGODB_WRITE_CONCERN',
  'ANALYTICS_RECORD_REQUESTS',
  'FEED_STRATEGY',
  'FEED_ACTIVE_DAYS',
  'FEED_FANOUT_THRESHOLD',
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
  const keyPrefix = readString(env, 'KEY_PREFIX', 'polyglot:');
  if (!/^[\w:.{}-]{1,64}$/.test(keyPrefix)) {
    throw new ConfigError('KEY_PREFIX', 'use 1-64 letters, digits and _ : . - { }');
  }
  const logLevel = readString(env, 'LOG_LEVEL', 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `unknown level "${logLevel}"`);
  }
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
    profileCacheTtlSeconds: readInteger(env, 'PROFILE_CACHE_TTL_SECONDS', 300, 1, 86400),
    bodyLimitBytes: readInteger(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
    rateLimits: {
      failedLoginPerEmailAndAddress: readRateLimit(
        env,
        'RATE_LIMIT_FAILED_LOGIN_PER_EMAIL_AND_ADDRESS',
        '10/15m',
      ),
      failedLoginPerEmail: readRateLimit(env, 'RATE_LIMIT_FAILED_LOGIN_PER_EMAIL', '100/1h'),
      signupPerAddress: readRateLimit(env, 'RATE_LIMIT_SIGNUP_PER_ADDRESS', '300/1h'),
      loginPerAddress: readRateLimit(env, 'RATE_LIMIT_LOGIN_PER_ADDRESS', '600/1h'),
      writesPerUser: readRateLimit(env, 'RATE_LIMIT_WRITES_PER_USER', '300/5m'),
    },
    demoMode: readBoolean(env, 'DEMO_MODE', !urls.DATABASE_URL),
    mongoWriteConcern: readWriteConcern(env, 'MONGODB_WRITE_CONCERN'),
    recordApiRequests: readBoolean(env, 'ANALYTICS_RECORD_REQUESTS', true),
    feed: readFeed(env, stores),
  };
}
