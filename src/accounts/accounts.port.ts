// The accounts role: users, their profiles and credentials, and sessions of record.
// Records are shaped as the API returns them (snake_case), so routes pass them through.
import type { Reaction } from '../jobs/outbox.port.ts';

/** The caller's own account (`POST /accounts`, `GET /me`). Never carries the password hash. */
export interface Account {
  id: number;
  handle: string;
  email: string;
  name: string;
  bio: string;
  avatar_url: string | null;
  birthdate: string;
  created_at: string;
}

export interface ProfileCounts {
  followers: number;
  following: number;
  posts: number;
}

/** What anyone may see of a user (`GET /users/:id`): no email, no birthdate. */
export interface PublicProfile {
  id: number;
  handle: string;
  name: string;
  bio: string;
  avatar_url: string | null;
  created_at: string;
  counts: ProfileCounts;
}

/** A user as shown in lists. */
export interface ProfileSummary {
  id: number;
  handle: string;
  name: string;
  avatar_url: string | null;
}

export interface NewAccount {
  email: string;
  passwordHash: string;
  name: string;
  birthdate: string;
  /** Empty when absent. */
  bio?: string;
  /** Handles to try in order; the first one free is taken. */
  handleCandidates: readonly string[];
}

export interface ProfileChanges {
  name?: string;
  bio?: string;
  avatar_url?: string | null;
}

export interface Credentials {
  userId: number;
  passwordHash: string;
}

export interface SessionRecord {
  userId: number;
  /** The sliding expiry, moved on by use but never past absoluteExpiresAt. */
  expiresAt: Date;
  absoluteExpiresAt: Date;
}

export interface DeviceTokenRecord {
  userId: number;
  expiresAt: Date;
}

export type CreateAccountResult = { ok: true; account: Account } | { ok: false; taken: 'email' | 'handle' };

/** What step one of an account's deletion did. */
export type DeleteAccountResult =
  /** The hashes of the sessions it ended, to evict from the cache. */
  | { ok: true; endedSessions: string[] }
  /** The wallet holds money: nothing changed; it must be transferred away first. */
  | { ok: false; reason: 'balance'; balanceCents: number }
  /** No such account, or deleted already. */
  | { ok: false; reason: 'no_account' };

export interface AccountsPort {
  /** Creates the user and the profile in one transaction: both rows or neither. */
  /** `reactionsFor`: follow-up work stored with the new account, in its transaction (the outbox). */
  createAccount(
    account: NewAccount,
    reactionsFor?: (userId: number) => readonly Reaction[],
  ): Promise<CreateAccountResult>;
  findAccount(userId: number): Promise<Account | null>;
  publicProfile(userId: number): Promise<PublicProfile | null>;
  /** Matched by the normalised email (accounts/email.ts), as sign-up stored it: never by the database's lower(). */
  findCredentials(email: string): Promise<Credentials | null>;
  /** Applies the changes and stores `reactions` (follow-up work) in the same transaction. */
  updateProfile(
    userId: number,
    changes: ProfileChanges,
    reactions?: readonly Reaction[],
  ): Promise<Account | null>;
  changePasswordHash(userId: number, passwordHash: string): Promise<void>;
  /**
   * Step one of deleting an account, in one transaction: refused while the wallet holds
   * money; otherwise the user becomes a tombstone (email, password and birthdate emptied: log-in
   * stops and the email is free at once), the profile goes (the handle is free), sessions and
   * device tokens go, the wallet is closed, and `reactions(endedSessions)` (the erasure of
   * everything else) is stored in the outbox. Commerce shares the accounts' database, so the
   * balance is checked and the wallet closed under the same lock.
   */
  deleteAccount(
    userId: number,
    reactions: (endedSessions: readonly string[]) => readonly Reaction[],
  ): Promise<DeleteAccountResult>;
  /** Handle or name starting with, or resembling, the query; best matches first. */
  searchPeople(query: string, limit: number): Promise<ProfileSummary[]>;
  /** The summaries of the users that exist among `userIds`, in no particular order. */
  summaries(userIds: readonly number[]): Promise<ProfileSummary[]>;
  /** The summaries of the users whose handles are among `handles` (lowercase, as stored), in no particular order. */
  summariesByHandle(handles: readonly string[]): Promise<ProfileSummary[]>;
  /**
   * Adds `delta` to the follower's following count and the followee's followers count, for
   * a graph on another engine; call it only when an edge really appeared or disappeared.
   */
  adjustFollowCounts(followerId: number, followeeId: number, delta: 1 | -1): Promise<void>;
  /** Adds `delta` to a user's posts count, for posts on another engine; only when a post really appeared or went. */
  adjustPostsCount(userId: number, delta: 1 | -1): Promise<void>;

  createSession(userId: number, tokenHash: string, expiresAt: Date, absoluteExpiresAt: Date): Promise<void>;
  /** The session, if it exists and has not expired. */
  findSession(tokenHash: string): Promise<SessionRecord | null>;
  /** Moves the sliding expiry on to `expiresAt`, but never past the session's absolute expiry. */
  extendSession(tokenHash: string, expiresAt: Date): Promise<void>;
  endSession(tokenHash: string): Promise<void>;
  /**
   * The users among `userIds` active since `since`: they signed in then or later, or a session
   * of theirs was still live (sessions are extended while used). The feed fans out to these only.
   */
  activeUsers(userIds: readonly number[], since: Date): Promise<number[]>;
  /** Ends every session of a user but `keep`; returns the hashes it ended (to evict from the cache). */
  endSessions(userId: number, keep?: string): Promise<string[]>;

  /**
   * Stores a device token's hash for a user, sweeps that user's expired ones and keeps only
   * the newest `keep` (each log-in without a token makes one: the table stays bounded).
   */
  createDeviceToken(userId: number, tokenHash: string, expiresAt: Date, keep: number): Promise<void>;
  /** Forgets every device token of a user (after a password change, no device is known any more). */
  endDeviceTokens(userId: number): Promise<void>;
  /** The device token, if it exists and has not expired. */
  findDeviceToken(tokenHash: string): Promise<DeviceTokenRecord | null>;

  ping(): Promise<void>;
}
