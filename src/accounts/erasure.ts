// The saga that erases a deleted account from every role. Step one (AccountsPort.deleteAccount)
// commits the tombstone and stores this job in the outbox in the same transaction; the job
// then runs each role's step in order. Every step is idempotent and finds its remaining work
// in its own store, so a run cut short (the process killed, a store down) is simply run
// again: the outbox keeps the entry until the whole saga has completed.
//
// The order matters where one role's step reads what another's removes: the posts go while
// the graph still knows the author's followers (each deletion takes the post out of their
// timelines), and the follows go after the posts (each unfollow drops the follower's timeline,
// rebuilt without the posts). The cache's step comes last, after every step that may have
// written a key of the user.
import type { JobPayload } from '../jobs/jobs.port.ts';

/** The outbox job that erases a deleted account, `{user_id, sessions}`. */
export const ACCOUNT_DELETED_JOB = 'account.deleted';

export interface DeletedAccount {
  userId: number;
  /** The hashes of the sessions step one ended, whose cached copies must go. */
  sessions: string[];
}

export const deletedAccountPayload = (account: DeletedAccount): JobPayload => ({
  user_id: account.userId,
  sessions: account.sessions,
});

export function parseDeletedAccount(payload: JobPayload): DeletedAccount {
  const { user_id: userId, sessions } = payload;
  if (typeof userId !== 'number' || !Number.isSafeInteger(userId)) {
    throw new Error(`an account deletion needs a user_id, got ${JSON.stringify(userId)}`);
  }
  if (!Array.isArray(sessions) || !sessions.every((hash) => typeof hash === 'string')) {
    throw new Error(`an account deletion needs its ended sessions, got ${JSON.stringify(sessions)}`);
  }
  return { userId, sessions };
}

/** One role's part of the erasure: idempotent, and safe to run again after a partial run. */
export interface ErasureStep {
  /** Names the role in logs. */
  role: string;
  erase(account: DeletedAccount): Promise<void>;
}

/**
 * Runs every step in order; a step that fails stops the run, and the job runs again later.
 * Each completed step is logged: what an operator follows (and the fault test waits for).
 */
export async function eraseAccount(
  steps: readonly ErasureStep[],
  payload: JobPayload,
  log: { info(object: object, message: string): void },
): Promise<void> {
  const account = parseDeletedAccount(payload);
  for (const step of steps) {
    try {
      await step.erase(account);
      log.info({ userId: account.userId, role: step.role }, 'deleted account erased from a role');
    } catch (error) {
      throw new Error(`erasing deleted account ${account.userId}: the ${step.role} step failed`, {
        cause: error,
      });
    }
  }
}
