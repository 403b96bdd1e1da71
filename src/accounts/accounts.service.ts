// Rules about accounts and profiles: who may sign up, how handles are chosen,
// and the cache-aside public profile that is invalidated on every change.
import { type CachePort, cacheKeys } from '../cache/cache.port.ts';
import { DEMO_OPERATOR_EMAIL } from '../config.ts';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../errors.ts';
import { type EventBus, fact } from '../events.ts';
import type {
  Account,
  AccountsPort,
  ProfileChanges,
  ProfileSummary,
  PublicProfile,
} from './accounts.port.ts';
import { normaliseEmail } from './email.ts';
import { handleCandidates, isReservedHandle } from './handles.ts';
import { hashPassword, verifyPassword, weakPasswordReason } from './passwords.ts';
import type { SessionsService } from './sessions.service.ts';

export interface SignUp {
  email: string;
  password: string;
  name: string;
  birthdate: string;
  handle?: string;
  bio?: string;
}

export const MINIMUM_AGE_YEARS = 18;

/** True when someone born on `birthdate` (YYYY-MM-DD) is at least 18 on `today` (UTC). */
export function isAdult(birthdate: string, today = new Date()): boolean {
  const [year, month, day] = birthdate.split('-').map(Number) as [number, number, number];
  const eighteenth = Date.UTC(year + MINIMUM_AGE_YEARS, month - 1, day);
  return eighteenth <= Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
}

/** A 400 naming `field` when a new password has a guessable shape. */
function refuseWeakPassword(field: string, password: string): void {
  const reason = weakPasswordReason(password);
  if (reason) throw new BadRequestError(`the password ${reason}`, { fields: { [field]: reason } });
}

/** How many orders a user placed: the commerce role answers, from the accounts' database. */
export interface OrderCounter {
  orderCount(buyerId: number): Promise<number>;
}

/**
 * The public profile carries counters other roles move (posts, followers, following): its
 * cached copy is forgotten once their change committed, so the next read loads the new counts.
 */
export function forgetProfilesOnCounterChanges(events: EventBus, cache: CachePort): void {
  const forget = (...userIds: number[]) => cache.forget(...userIds.map((id) => cacheKeys.profile(id)));
  events.onCommit('post.created', ({ author_id }) => forget(author_id));
  events.onCommit('post.deleted', ({ author_id }) => forget(author_id));
  events.onCommit('follow.changed', ({ follower_id, followee_id }) => forget(follower_id, followee_id));
}

export interface AccountsOptions {
  accounts: AccountsPort;
  cache: CachePort;
  sessions: SessionsService;
  profileTtlSeconds: number;
  events: EventBus;
  orders: OrderCounter;
}

export class AccountsService {
  private readonly accounts: AccountsPort;
  private readonly cache: CachePort;
  private readonly sessions: SessionsService;
  private readonly profileTtlSeconds: number;
  private readonly events: EventBus;
  private readonly orders: OrderCounter;

  constructor(options: AccountsOptions) {
    this.accounts = options.accounts;
    this.cache = options.cache;
    this.sessions = options.sessions;
    this.profileTtlSeconds = options.profileTtlSeconds;
    this.events = options.events;
    forgetProfilesOnCounterChanges(options.events, options.cache);
    this.orders = options.orders;
  }

  /**
   * `demoOperator`: only the demo content's own set-up may create the demo operator's account
   * (its address and the `operator` handle). That address is an operator in demo mode, so on a
   * platform whose demo content was not added, anyone signing up with it would become one.
   */
  async signUp(input: SignUp, { demoOperator = false } = {}): Promise<Account> {
    if (!demoOperator && normaliseEmail(input.email) === DEMO_OPERATOR_EMAIL) {
      throw new BadRequestError('this address is reserved', { fields: { email: 'is reserved' } });
    }
    if (!isAdult(input.birthdate)) {
      throw new BadRequestError('you must be 18 or over to sign up', {
        fields: { birthdate: `must be at least ${MINIMUM_AGE_YEARS} years ago` },
      });
    }
    if (input.handle && !demoOperator && isReservedHandle(input.handle)) {
      throw new BadRequestError('this handle is reserved', { fields: { handle: 'is reserved' } });
    }
    refuseWeakPassword('password', input.password);
    const result = await this.accounts.createAccount(
      {
        email: input.email,
        passwordHash: await hashPassword(input.password),
        name: input.name,
        birthdate: input.birthdate,
        bio: input.bio,
        handleCandidates: input.handle ? [input.handle.toLowerCase()] : handleCandidates(input.name),
      },
      (userId) => this.events.record(fact('account.created', { user_id: userId })),
    );
    if (result.ok) {
      await this.events.committed(fact('account.created', { user_id: result.account.id }));
      return result.account;
    }
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
    // The fact is stored with the change (outbox): subscribers keeping copies of the profile
    // react after the commit, so they read the new profile; a queue that is down delays them.
    const changed = fact('account.changed', { user_id: userId, fields: Object.keys(changes) });
    const account = await this.accounts.updateProfile(userId, changes, this.events.record(changed));
    if (!account) throw new NotFoundError('account');
    // Invalidate after the write commits, so the next read loads the new profile.
    await this.cache.forget(cacheKeys.profile(userId));
    await this.events.committed(changed);
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
    const verified = await this.sessions.reauthenticate(currentTokenHash, async () => {
      const account = await this.accounts.findAccount(userId);
      const credentials = account && (await this.accounts.findCredentials(account.email));
      return credentials !== null && (await verifyPassword(credentials.passwordHash, current));
    });
    if (!verified) throw new ForbiddenError('the current password is wrong');
    refuseWeakPassword('new_password', next);
    await this.accounts.changePasswordHash(userId, await hashPassword(next));
    await this.sessions.endAllSessions(userId, currentTokenHash);
    // Whoever knew the old password may hold a device token: no device stays exempt from the lockout.
    await this.accounts.endDeviceTokens(userId);
  }
}
