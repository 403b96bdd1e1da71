// The transactional outbox on PGlite and PostgreSQL, with the SQL queue: follow-up work is
// stored with its fact or not at all, relayed to the jobs role, and removed only once its
// handler has completed; work whose job failed or was lost is relayed again after the lease.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresAccounts, sqlProfileCounters } from '../../src/accounts/accounts.postgres.ts';
import type { SqlDatabase } from '../../src/engines/sql.ts';
import type { JobPayload } from '../../src/jobs/jobs.port.ts';
import { createSqlJobs } from '../../src/jobs/jobs.postgres.ts';
import { createSqlOutbox } from '../../src/jobs/outbox.postgres.ts';
import { createOutboxRelay, type OutboxRelay } from '../../src/jobs/outbox.relay.ts';
import { createPostgresPosts } from '../../src/posts/posts.postgres.ts';
import { freshSqlDatabase, type SqlEngine } from '../support/stores.ts';
import { servers } from '../support/targets.ts';

const log = { warn: () => {}, error: () => {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const targets: Array<{ engine: SqlEngine; title: string; skip?: string }> = [
  { engine: 'pglite', title: 'the outbox on PGlite (embedded)' },
  {
    engine: 'postgres',
    title: 'the outbox on PostgreSQL (server)',
    skip: servers.postgres.skipReason,
  },
];

for (const target of targets) {
  describe.skipIf(target.skip !== undefined)(
    `${target.title}${target.skip ? ` [SKIPPED: ${target.skip}]` : ''}`,
    () => {
      let db: SqlDatabase;
      let authorId: number;
      const relays: OutboxRelay[] = [];
      const outbox = () => createSqlOutbox(db);
      /** A relay as an API process runs it, on the SQL queue of the same database. */
      const relay = (leaseSeconds = 60) => {
        const made = createOutboxRelay({
          jobs: createSqlJobs(db, { log, pollMs: 20 }),
          outboxes: [outbox()],
          log,
          intervalMs: 50,
          leaseSeconds,
        });
        relays.push(made);
        return made;
      };
      const newPost = (content: string, author = authorId) => ({
        id: crypto.randomUUID(),
        author: { id: author, handle: 'outbox_author', name: 'Author', avatar_url: null },
        content,
        media_urls: [],
        attributes: {},
        created_at: new Date(),
      });
      const remaining = async () =>
        (await db.query<{ kind: string }>('SELECT kind FROM outbox ORDER BY id')).map((row) => row.kind);

      beforeAll(async () => {
        db = await freshSqlDatabase(target.engine);
        const made = await createPostgresAccounts(db).createAccount({
          email: `outbox_${process.pid}@example.com`,
          passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$outbox$contract',
          name: 'Author',
          birthdate: '1990-01-01',
          handleCandidates: [`outbox_${process.pid}`],
        });
        if (!made.ok) throw new Error('could not make the author');
        authorId = made.account.id;
      });
      afterEach(async () => {
        for (const made of relays.splice(0)) await made.close(0);
        await db.query('DELETE FROM outbox');
        await db.query('DELETE FROM jobs');
      });
      afterAll(() => db?.close());

      it('stores the reactions in the transaction of the fact: a rolled-back fact leaves none', async () => {
        const posts = createPostgresPosts(db, sqlProfileCounters);
        const reaction = { kind: 'contract.created', payload: { n: 1 } };
        await posts.createPost(newPost('kept'), [reaction]);
        // An author that does not exist: the foreign key fails the insert, after the post row went in.
        await expect(posts.createPost(newPost('rolled back', 999_999_999), [reaction])).rejects.toThrow();
        expect(await remaining()).toEqual(['contract.created']);
        expect(
          await createPostgresAccounts(db).updateProfile(999_999_999, { name: 'x' }, [reaction]),
        ).toBeNull();
        expect(await remaining()).toEqual(['contract.created']);
      });

      it('relays an entry and removes it only once its handler has completed', async () => {
        const worker = relay();
        const seen: JobPayload[] = [];
        let finish: () => void = () => {};
        const finished = new Promise<void>((resolve) => {
          finish = resolve;
        });
        worker.handle('contract.slow', async (payload) => {
          seen.push(payload);
          await finished;
        });
        await worker.start();
        await db.transaction((tx) =>
          tx.query(`INSERT INTO outbox (kind, payload) VALUES ('contract.slow', '{"post_id": "p1"}')`),
        );
        worker.relayNow();
        while (seen.length === 0) await sleep(10);
        // The handler runs: the entry is still there.
        expect(await remaining()).toEqual(['contract.slow']);
        finish();
        await worker.idle();
        expect(await remaining()).toEqual([]);
        // The handler sees its own payload, without the outbox's bookkeeping.
        expect(seen).toEqual([{ post_id: 'p1' }]);
      });

      it('keeps the entry of a failing handler until a later run completes', async () => {
        const worker = relay();
        let calls = 0;
        let afterFailure: string[] = [];
        worker.handle('contract.flaky', async () => {
          calls++;
          if (calls === 1) throw new Error('the first run fails');
          afterFailure = await remaining();
        });
        await worker.start();
        await createPostgresPosts(db, sqlProfileCounters).createPost(newPost('flaky'), [
          { kind: 'contract.flaky', payload: {} },
        ]);
        worker.relayNow();
        await worker.idle();
        expect(calls).toBe(2);
        expect(afterFailure).toEqual(['contract.flaky']);
        expect(await remaining()).toEqual([]);
      });

      it('relays again, after the lease, an entry whose job the queue lost', async () => {
        const worker = relay(1);
        let calls = 0;
        let lost = false;
        worker.handle('contract.lost', async () => {
          calls++;
          if (calls > 1) return;
          // The queue loses the job while it runs (a Redis restarted without its data): the row
          // goes, so the failure recorded next finds nothing to retry.
          await db.query("DELETE FROM jobs WHERE kind = 'contract.lost'");
          lost = true;
          throw new Error('lost with the queue');
        });
        await worker.start();
        await createPostgresPosts(db, sqlProfileCounters).createPost(newPost('lost'), [
          { kind: 'contract.lost', payload: {} },
        ]);
        worker.relayNow();
        while (!lost) await sleep(10);
        expect(await db.query("SELECT 1 FROM jobs WHERE kind = 'contract.lost'")).toEqual([]);
        expect(await remaining()).toEqual(['contract.lost']);
        await worker.idle();
        expect(calls).toBe(2);
        expect(await remaining()).toEqual([]);
      });

      it('is shared by several processes: each entry is relayed and handled once', async () => {
        const handled: number[] = [];
        const workers = [relay(), relay(), relay()];
        for (const worker of workers)
          worker.handle('contract.shared', async (payload) => {
            handled.push(payload.i as number);
          });
        await Promise.all(workers.map((worker) => worker.start()));
        const posts = createPostgresPosts(db, sqlProfileCounters);
        for (let i = 0; i < 60; i++) {
          await posts.createPost(newPost(`shared ${i}`), [{ kind: 'contract.shared', payload: { i } }]);
          workers[i % workers.length]?.relayNow();
        }
        await Promise.all(workers.map((worker) => worker.idle()));
        expect(handled.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
        expect(await remaining()).toEqual([]);
      });
    },
  );
}
