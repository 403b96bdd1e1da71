// The outbox on MongoDB, for the facts MongoDB holds (posts there): an `outbox` collection
// written inside the fact's multi-document transaction, so a post and its follow-up work
// commit together. The relay claims an entry with one findOneAndUpdate that pushes its lease
// forward: atomic per document, so several processes never take the same entry at once.
// Not verified in CI: no MongoDB server runs there (see the README).
import { randomUUID } from 'node:crypto';
import type { ClientSession, Db } from 'mongodb';
import type { MongoConnection } from '../engines/mongo.ts';
import type { JobPayload } from './jobs.port.ts';
import type { OutboxEntry, OutboxPort, Reaction } from './outbox.port.ts';

interface OutboxDocument {
  _id: string;
  kind: string;
  payload: JobPayload;
  /** Due for relaying once this has passed. */
  lease_until: Date;
  relays: number;
  created_at: Date;
}

const outboxOf = (db: Db) => db.collection<OutboxDocument>('outbox');

/** The index the relay's claim uses; created at start (a no-op when it exists). */
export async function createOutboxIndexes(db: Db): Promise<void> {
  await outboxOf(db).createIndexes([{ key: { lease_until: 1 }, name: 'outbox_due' }]);
}

/** Stores `reactions` inside the caller's transaction (`session`): they commit or abort with the fact. */
export async function recordReactions(
  db: Db,
  session: ClientSession,
  reactions: readonly Reaction[],
): Promise<void> {
  if (!reactions.length) return;
  const now = new Date();
  await outboxOf(db).insertMany(
    reactions.map(({ kind, payload }) => ({
      _id: randomUUID(),
      kind,
      payload,
      lease_until: now,
      relays: 0,
      created_at: now,
    })),
    { session },
  );
}

export function createMongoOutbox({ db }: MongoConnection) {
  const outbox = outboxOf(db);
  const byId = (id: string) => ({ _id: { $eq: id } });
  return {
    store: 'mongo',
    async claimDue(limit, leaseSeconds) {
      const claimed: OutboxEntry[] = [];
      while (claimed.length < limit) {
        const now = new Date();
        const doc = await outbox.findOneAndUpdate(
          { lease_until: { $lte: now } },
          { $set: { lease_until: new Date(now.getTime() + leaseSeconds * 1000) }, $inc: { relays: 1 } },
          { sort: { lease_until: 1 }, returnDocument: 'after' },
        );
        if (!doc) break;
        claimed.push({ id: doc._id, kind: doc.kind, payload: doc.payload });
      }
      return claimed;
    },
    async release(id) {
      await outbox.updateOne(byId(id), { $set: { lease_until: new Date() } });
    },
    async complete(id) {
      await outbox.deleteOne(byId(id));
    },
    pending: () => outbox.countDocuments({}),
  } satisfies OutboxPort;
}
