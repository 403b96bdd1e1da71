// Sessions: long random bearer tokens; the accounts store keeps only their SHA-256
// (the row of record), and the cache role sits in front. When the cache is down,
// sessions are read from the record, so everyone stays signed in, only slower.
// Log-in also hands out a device token (OWASP's device cookies): a device that signed in
// to an account before is exempt from that account's per-email lockout.
import { createHash, randomBytes } from 'node:crypto';
import { type CachePort, cacheKeys } from '../cache/cache.port.ts';
import type { RateLimiter, RateRule } from '../cache/rate-limiter.ts';
import { UnauthorizedError } from '../errors.ts';
import type { AccountsPort, Credentials } from './accounts.port.ts';
import { normaliseEmail } from './email.ts';
import { verifyPassword } from './passwords.ts';

export interface Session {
  userId: number;
  tokenHash: string;
}

interface CachedSession {
  userId: number;
  expiresAt: number;
  absoluteExpiresAt: number;
}

export interface LogIn {
  email: string;
  password: string;
  /** The client's address, for the per-address limit. */
  address: string;
  /** A device token an earlier log-in gave this client, if any. */
  deviceToken?: string;
}

export interface SignedIn {
  token: string;
  expires_at: string;
  device_token: string;
  device_token_expires_at: string;
  /** The session made, for the request that made it (not sent to the client). */
  session: Session;
}

export interface SessionsOptions {
  accounts: AccountsPort;
  cache: CachePort;
  limiter: RateLimiter;
  /** Sliding lifetime: a session unused this long ends. */
  ttlSeconds: number;
  /** Absolute lifetime: a session ends this long after sign-in, however much it is used. */
  maxAgeSeconds: number;
}

/** 32 random bytes as base64url: 43 characters (session and device tokens alike). */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
// A cached session is trusted for at most this long. It bounds how long a session
// ended while the cache was unreachable (so its cache entry could not be evicted)
// may go on working once the cache is back.
const SESSION_CACHE_SECONDS = 60;

/** The subjects a user's requests are rate-limited by: named once, so deleting an account finds them all. */
export const rateSubjects = {
  /** The user's writes. */
  user: (userId: number) => String(userId),
  /** One session's security writes (each session has a budget of its own). */
  session: (userId: number, tokenHash: string) => `${userId}:${tokenHash}`,
  /** One session's failed re-authentications. */
  reauthentication: (tokenHash: string) => `session:${tokenHash}`,
};
// A session is extended on use, but its row is rewritten at most once a minute.
const EXTEND_EVERY_MS = 60_000;
// A device token is honoured for a year after the log-in that issued it.
const DEVICE_TOKEN_TTL_MS = 365 * 86400_000;
// The devices a person signs in from that stay known: older ones are forgotten.
export const DEVICE_TOKENS_PER_ACCOUNT = 20;

const newToken = () => randomBytes(32).toString('base64url');
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class SessionsService {
  private readonly accounts: AccountsPort;
  private readonly cache: CachePort;
  private readonly limiter: RateLimiter;
  private readonly ttlMs: number;
  private readonly maxAgeMs: number;

  constructor(options: SessionsOptions) {
    this.accounts = options.accounts;
    this.cache = options.cache;
    this.limiter = options.limiter;
    this.ttlMs = options.ttlSeconds * 1000;
    this.maxAgeMs = options.maxAgeSeconds * 1000;
  }

  /** Checks email and password; a wrong email and a wrong password fail alike. */
  async logIn({ email, password, address, deviceToken }: LogIn): Promise<SignedIn> {
    const emailKey = normaliseEmail(email);
    const credentials = await this.accounts.findCredentials(emailKey);
    const device = await this.knownDevice(credentials, deviceToken);
    // A known device of this account is subject to its own limit only, so that strangers'
    // failures cannot lock its owner out; every other attempt counts against the email,
    // so that guessing from many addresses still stops.
    const failureLimits: [RateRule, string][] = device
      ? [['failedLoginPerDevice', device.tokenHash]]
      : [
          ['failedLoginPerEmailAndAddress', `${emailKey} ${address}`],
          ['failedLoginPerEmail', emailKey],
        ];
    for (const [rule, subject] of failureLimits) await this.limiter.check(rule, subject);

    // Verified first and always (against a decoy hash when the email is unknown): an unknown
    // email must cost the same argon2 verification as a wrong password, or timing tells them apart.
    const verified = await verifyPassword(credentials?.passwordHash, password);
    if (!credentials || !verified) {
      for (const [rule, subject] of failureLimits) await this.limiter.hit(rule, subject);
      throw new UnauthorizedError('wrong email or password');
    }
    const token = newToken();
    const tokenHash = hashToken(token);
    const now = Date.now();
    const expiresAt = new Date(now + Math.min(this.ttlMs, this.maxAgeMs));
    await this.accounts.createSession(
      credentials.userId,
      tokenHash,
      expiresAt,
      new Date(now + this.maxAgeMs),
    );
    const issued = device ?? (await this.issueDeviceToken(credentials.userId));
    return {
      token,
      expires_at: expiresAt.toISOString(),
      device_token: issued.token,
      device_token_expires_at: issued.expiresAt.toISOString(),
      session: { userId: credentials.userId, tokenHash },
    };
  }

  /**
   * Re-authentication inside a session (the current password, to change it). A session that
   * fails it too often is limited itself, as a device token is (RATE_LIMIT_FAILED_LOGIN_PER_DEVICE):
   * otherwise a stolen token would be a way to guess the password past the failed-log-in
   * limits. The owner's other sessions are not touched.
   */
  async reauthenticate(sessionTokenHash: string, verify: () => Promise<boolean>): Promise<boolean> {
    const subject = rateSubjects.reauthentication(sessionTokenHash);
    await this.limiter.check('failedLoginPerDevice', subject);
    if (await verify()) return true;
    await this.limiter.hit('failedLoginPerDevice', subject);
    return false;
  }

  /** The device token, if it is a live one of this very account. */
  private async knownDevice(credentials: Credentials | null, token: string | undefined) {
    if (token === undefined || !TOKEN_PATTERN.test(token)) return undefined;
    // Looked up whether or not the email matched an account: the same work either way.
    const tokenHash = hashToken(token);
    const record = await this.accounts.findDeviceToken(tokenHash);
    if (!record || record.userId !== credentials?.userId) return undefined;
    return { token, tokenHash, expiresAt: record.expiresAt };
  }

  private async issueDeviceToken(userId: number) {
    const token = newToken();
    const expiresAt = new Date(Date.now() + DEVICE_TOKEN_TTL_MS);
    await this.accounts.createDeviceToken(userId, hashToken(token), expiresAt, DEVICE_TOKENS_PER_ACCOUNT);
    return { token, expiresAt };
  }

  /** The session a bearer token stands for; UnauthorizedError if none (malformed, unknown, expired, ended). */
  async authenticate(token: string): Promise<Session> {
    if (!TOKEN_PATTERN.test(token)) throw new UnauthorizedError('the session token is malformed');
    const tokenHash = hashToken(token);
    const key = cacheKeys.session(tokenHash);
    const now = Date.now();
    let session = await this.cache.recall<CachedSession>(key);
    let cached = session !== undefined;
    // The cached copy carries both expiries: past the absolute one it is refused as well.
    if (!session || session.expiresAt <= now || !(session.absoluteExpiresAt > now)) {
      const record = await this.accounts.findSession(tokenHash);
      if (!record) throw new UnauthorizedError('the session has ended; sign in again');
      session = {
        userId: record.userId,
        expiresAt: record.expiresAt.getTime(),
        absoluteExpiresAt: record.absoluteExpiresAt.getTime(),
      };
      cached = false;
    }
    const extended = Math.min(now + this.ttlMs, session.absoluteExpiresAt);
    if (extended - session.expiresAt >= EXTEND_EVERY_MS) {
      await this.accounts.extendSession(tokenHash, new Date(extended));
      session = { ...session, expiresAt: extended };
      cached = false;
    }
    if (!cached) await this.cache.remember(key, session, SESSION_CACHE_SECONDS);
    return { userId: session.userId, tokenHash };
  }

  async endSession(session: Session): Promise<void> {
    await this.accounts.endSession(session.tokenHash);
    await this.cache.forget(cacheKeys.session(session.tokenHash));
  }

  /**
   * Forgets what the cache holds about a deleted account's sessions: each one's cached copy and
   * every rate-limit counter of the user and of those sessions. Idempotent.
   */
  async forgetDeleted(userId: number, tokenHashes: readonly string[]): Promise<void> {
    await this.cache.forget(...tokenHashes.map(cacheKeys.session));
    await this.limiter.forget([
      rateSubjects.user(userId),
      ...tokenHashes.flatMap((hash) => [
        rateSubjects.session(userId, hash),
        rateSubjects.reauthentication(hash),
      ]),
    ]);
  }

  /** Ends every session of a user, except `keepTokenHash` if given. */
  async endAllSessions(userId: number, keepTokenHash?: string): Promise<void> {
    const ended = await this.accounts.endSessions(userId, keepTokenHash);
    await this.cache.forget(...ended.map(cacheKeys.session));
  }
}
