// Rules about accounts and profiles: who may sign up, how handles are chosen,
// and the cache-aside public profile that is invalidated on every change.
import { randomInt } from 'node:crypto';
import { type CachePort, cacheKeys } from '../cache/cache.port.ts';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../errors.ts';
import type { JobsPort } from '../jobs/jobs.port.ts';
import type {
  Account,
  AccountsPort,
  ProfileChanges,
  ProfileSummary,
  PublicProfile,
} from './accounts.port.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { SessionsService } from './sessions.service.ts';

export interface SignUp {
  email: string;
  password: string;
  name: string;
  birthdate: string;
  handle?: string;
}

export const MINIMUM_AGE_YEARS = 18;

/**
 * The job enqueued after a user's name or avatar changed, `{user_id}`: roles that keep
 * copies of the profile summary (posts, comments) refresh them.
 */
export const PROFILE_CHANGED_JOB = 'accounts.profile-changed';

/** True when someone born on `birthdate` (YYYY-MM-DD) is at least 18 on `today` (UTC). */
export function isAdult(birthdate: string, today = new Date()): boolean {
  const [year, month, day] = birthdate.split('-').map(Number) as [number, number, number];
  const eighteenth = Date.UTC(year + MINIMUM_AGE_YEARS, month - 1, day);
  return eighteenth <= Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
}

/** Lower-case letters, digits and underscores from `text`, as a handle stem (may be short). */
function handleStem(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 23);
}

/** The handles to try for a new account: the one asked for, or ones derived from name or email. */
export function handleCandidates(name: string, email: string): string[] {
  const fromName = handleStem(name);
  const fromEmail = handleStem(email.split('@')[0] ?? '');
  const stem = fromName.length >= 3 ? fromName : fromEmail.length >= 3 ? fromEmail : 'user';
  // The bare stem first, then random suffixes: a popular name still finds a free handle in a few tries.
  const suffixed = Array.from(
    { length: 8 },
    (_, i) => `${stem}_${randomInt(10 ** (i < 5 ? 3 : 5), 10 ** (i < 5 ? 4 : 6))}`,
  );
  return [stem, ...suffixed];
}

/** How many orders a user placed: the commerce role answers, from the accounts' database. */
export interface OrderCounter {
  orderCount(buyerId: number): Promise<number>;
}

export class AccountsService {
  constructor(
    private readonly accounts: AccountsPort,
    private readonly cache: CachePort,
    private readonly sessions: SessionsService,
    private readonly profileTtlSeconds: number,
    private readonly jobs: Pick<JobsPort, 'enqueue'>,
    private readonly orders: OrderCounter,
  ) {}

  async signUp(input: SignUp): Promise<Account> {
    if (!isAdult(input.birthdate)) {
      throw new BadRequestError('you must be 18 or over to sign up', {
        fields: { birthdate: `must be at least ${MINIMUM_AGE_YEARS} years ago` },
      });
    }
    const result = await this.accounts.createAccount({
      email: input.email,
      passwordHash: await hashPassword(input.password),
      name: input.name,
      birthdate: input.birthdate,
      handleCandidates: input.handle
        ? [input.handle.toLowerCase()]
        : handleCandidates(input.name, input.email),
    });
    if (result.ok) return result.account;
    throw result.taken === 'email'
      ? new ConflictError('email_taken', 'an account with this email exists already', {
          fields: { email: 'taken' },
        })
      : new ConflictError('handle_taken', 'this handle is taken', { fields: { handle: 'taken' } });
  }

  /** The caller's own account with their order count (the article's get_user; never on the public profile). */
  async me(userId: number): Promise<Account & { order_count: number }> {
    const [account, orderCount] = await Promise.all([
      this.accounts.findAccount(userId),
      this.orders.orderCount(userId),
    ]);
    if (!account) throw new NotFoundError('account');
    return { ...account, order_count: orderCount };
  }

  async updateMe(userId: number, changes: ProfileChanges): Promise<Account> {
    const account = await this.accounts.updateProfile(userId, changes);
    if (!account) throw new NotFoundError('account');
    // Invalidate after the write commits, so the next read loads the new profile.
    await this.cache.forget(cacheKeys.profile(userId));
    // After the commit, so the job reads the new profile; it updates the copies eventually.
    if ('name' in changes || 'avatar_url' in changes) {
      await this.jobs.enqueue(PROFILE_CHANGED_JOB, { user_id: userId });
    }
    return account;
  }

  /** The public profile, cache-aside. */
  async profile(userId: number): Promise<PublicProfile> {
    const key = cacheKeys.profile(userId);
    const cached = await this.cache.recall<PublicProfile>(key);
    if (cached) return cached;
    const profile = await this.accounts.publicProfile(userId);
    if (!profile) throw new NotFoundError('user');
    await this.cache.remember(key, profile, this.profileTtlSeconds);
    return profile;
  }

  search(query: string, limit: number): Promise<ProfileSummary[]> {
    return this.accounts.searchPeople(query, limit);
  }

  /** Changes the password and ends every other session of the caller. */
  async changePassword(
    userId: number,
    currentTokenHash: string,
    current: string,
    next: string,
  ): Promise<void> {
    const account = await this.accounts.findAccount(userId);
    const credentials = account && (await this.accounts.findCredentials(account.email));
    if (!credentials || !(await verifyPassword(credentials.passwordHash, current))) {
      throw new ForbiddenError('the current password is wrong');
    }
    await this.accounts.changePasswordHash(userId, await hashPassword(next));
    await this.sessions.endAllSessions(userId, currentTokenHash);
  }
}
