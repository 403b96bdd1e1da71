// The erasure of a deleted account. Step one (AccountsPort.deleteAccount) commits the tombstone
// and records the `account.deleted` fact in the outbox, in the same transaction: one entry per
// role that subscribed here. Each role then erases its part as a durable job: idempotent,
// reading its remaining work from its own store, so a run cut short (the process killed, a
// store down) is simply run again; the entry stays in the outbox until that role completed.
// The roles need no order among themselves: a follower's timeline is rebuilt from the graph
// (without the person once the follow is gone) and hydrated from the posts (without theirs
// once they are gone), and no step writes a key another step forgets.
import type { DomainEvents, EventBus } from '../events.ts';
import type { Log } from '../log.ts';

export type DeletedAccount = DomainEvents['account.deleted'];

/** Subscribes `role`'s part of the erasure; each completed part is logged, for operators (and the fault test). */
export function eraseOnAccountDeleted(
  events: EventBus,
  log: Pick<Log, 'info'>,
  role: string,
  erase: (account: DeletedAccount) => Promise<void>,
): void {
  events.subscribe('account.deleted', `${role}.erase-account`, async (account) => {
    await erase(account);
    log.info({ userId: account.user_id, role }, 'deleted account erased from a role');
  });
}
