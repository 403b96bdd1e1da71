// Sessions: long random bearer tokens; the accounts store keeps only their SHA-256
// (the row of record), and the cache role sits in front. When the cache is down,
// sessions are read from the record, so everyone stays signed in, only slower.
import { createHash, randomBytes } from 'node:crypto';
import { type CachePort, cacheKeys } from '../cache/cache.port.ts';
import type { RateLimiter } from '../cache/rate-limiter.ts';
import { UnauthorizedError } from '../errors.ts';
import type { AccountsPort } from './accounts.port.ts';
import { verifyPassword } from './passwords.ts';

export interface Session {
  userId: number;
  tokenHash: string;
}

interface CachedSession {
  userId: number;
  expiresAt: number;
}

/** 32 random bytes as base64url: 43 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
// A cached session is trusted for at most this long. It bounds how long a session
// ended while the cache was unreachable (so its cache entry could not be evicted)
// may go on working once the cache is back.
const SESSION_CACHE_SECONDS = 60;
// A session is extended on use, but its row is rewritten at most once a minute.
const EXTEND_EVERY_MS = 60_000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class SessionsService {
  constructor(
    private readonly accounts: AccountsPort,
    private readonly cache: CachePort,
    private readonly limiter: RateLimiter,
    private readonly ttlSeconds: number,
  ) {}

  /** Checks email and password; a wrong email and a wrong password fail alike. */
  async logIn(
    email: string,
    password: string,
    address: string,
  ): Promise<{ token: string; expires_at: string }> {
    const emailKey = email.toLowerCase();
    await this.limiter.hit('loginPerAddress', address);
    await this.limiter.check('failedLoginPerEmailAndAddress', `${emailKey} ${address}`);
    await this.limiter.check('failedLoginPerEmail', emailKey);

    const credentials = await this.accounts.findCredentials(email);
    // Verified first and always (against a decoy hash when the email is unknown): an unknown
    // email must cost the same argon2 verification as a wrong password, or timing tells them apart.
    const verified = await verifyPassword(credentials?.passwordHash, password);
    if (!credentials || !verified) {
      await this.limiter.hit('failedLoginPerEmailAndAddress', `${emailKey} ${address}`);
      await this.limiter.hit('failedLoginPerEmail', emailKey);
      throw new UnauthorizedError('wrong email or password');
    }
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.ttlSeconds * 1000);
    await this.accounts.createSession(credentials.userId, hashToken(token), expiresAt);
    return { token, expires_at: expiresAt.toISOString() };
  }

  /** The session a bearer token stands for; UnauthorizedError if none (malformed, unknown, expired, ended). */
  async authenticate(token: string): Promise<Session> {
    if (!TOKEN_PATTERN.test(token)) throw new UnauthorizedError('the session token is malformed');
    const tokenHash = hashToken(token);
    const key = cacheKeys.session(tokenHash);
    const now = Date.now();
    let session = await this.cache.recall<CachedSession>(key);
    let cached = session !== undefined;
    if (!session || session.expiresAt <= now) {
      const record = await this.accounts.findSession(tokenHash);
      if (!record) throw new UnauthorizedError('the session has ended; sign in again');
      session = { userId: record.userId, expiresAt: record.expiresAt.getTime() };
      cached = false;
    }
    const extended = now + this.ttlSeconds * 1000;
    if (extended - session.expiresAt >= EXTEND_EVERY_MS) {
      await this.accounts.extendSession(tokenHash, new Date(extended));
      session = { userId: session.userId, expiresAt: extended };
      cached = false;
    }
    if (!cached) await this.cache.remember(key, session, SESSION_CACHE_SECONDS);
    return { userId: session.userId, tokenHash };
  }

  async endSession(session: Session): Promise<void> {
    await this.accounts.endSession(session.tokenHash);
    await this.cache.forget(cacheKeys.session(session.tokenHash));
  }

  /** Ends every session of a user, except `keepTokenHash` if given. */
  async endAllSessions(userId: number, keepTokenHash?: string): Promise<void> {
    const ended = await this.accounts.endSessions(userId, keepTokenHash);
    await this.cache.forget(...ended.map(cacheKeys.session));
  }
}
