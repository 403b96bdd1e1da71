// The jobs port's contract: durable, at-least-once, for the SQL queue and BullMQ alike.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobPayload, JobsPort } from '../../src/jobs/jobs.port.ts';

export interface JobsHarness {
  /** A new adapter instance on the same store, as a restarted process would make. */
  create(): JobsPort;
  close(): Promise<void>;
}

export function jobsContract(name: string, open: () => Promise<JobsHarness>, skipReason?: string) {
  const title = `jobs contract on ${name}${skipReason ? ` [SKIPPED: ${skipReason}]` : ''}`;
  describe.skipIf(skipReason !== undefined)(title, () => {
    let harness: JobsHarness;
    const started: JobsPort[] = [];
    const worker = () => {
      const jobs = harness.create();
      started.push(jobs);
      return jobs;
    };

    beforeAll(async () => {
      harness = await open();
    });
    // Each test's workers stop when it ends: a worker may take any kind of job, so one left
    // running would take the next test's jobs (as it should in a real deployment).
    afterEach(async () => {
      for (const jobs of started.splice(0)) await jobs.close(0);
    });
    afterAll(() => harness?.close());

    it('runs an enqueued job with its payload', async () => {
      const jobs = worker();
      const seen: JobPayload[] = [];
      jobs.handle('contract.echo', async (payload) => {
        seen.push(payload);
      });
      await jobs.start();
      await jobs.enqueue('contract.echo', { post_id: 'p1', nested: { n: 1, list: [1, 'two'] } });
      await jobs.idle();
      expect(seen).toEqual([{ post_id: 'p1', nested: { n: 1, list: [1, 'two'] } }]);
    });

    it('keeps a job accepted while no worker runs, and runs it when a new one starts', async () => {
      const producer = worker();
      await producer.enqueue('contract.later', { n: 42 });
      await producer.close(0);
      const consumer = worker();
      const seen: JobPayload[] = [];
      consumer.handle('contract.later', async (payload) => {
        seen.push(payload);
      });
      await consumer.start();
      await consumer.idle();
      expect(seen).toEqual([{ n: 42 }]);
    });

    it('retries a failing job until it succeeds (at least once)', async () => {
      const jobs = worker();
      let calls = 0;
      jobs.handle('contract.flaky', async () => {
        calls++;
        if (calls === 1) throw new Error('the first attempt fails');
      });
      await jobs.start();
      await jobs.enqueue('contract.flaky', {});
      await jobs.idle();
      expect(calls).toBe(2);
    });

    it('runs every one of many jobs', async () => {
      const jobs = worker();
      const seen = new Set<number>();
      jobs.handle('contract.many', async (payload) => {
        seen.add(payload.i as number);
      });
      await jobs.start();
      await Promise.all(Array.from({ length: 200 }, (_, i) => jobs.enqueue('contract.many', { i })));
      await jobs.idle();
      expect(seen.size).toBe(200);
    });

    it('finishes the jobs due before closing', async () => {
      const jobs = worker();
      let done = 0;
      jobs.handle('contract.drain', async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        done++;
      });
      await jobs.start();
      await Promise.all(Array.from({ length: 20 }, () => jobs.enqueue('contract.drain', {})));
      await jobs.close(10_000);
      expect(done).toBe(20);
    });

    it('stores a keyed job once while it waits, and takes the key again once it completed', async () => {
      const producer = worker();
      await producer.enqueue('contract.keyed', { n: 1 }, { key: 'outbox-contract-1' });
      await producer.enqueue('contract.keyed', { n: 2 }, { key: 'outbox-contract-1' });
      await producer.enqueue('contract.keyed', { n: 3 }, { key: 'outbox-contract-2' });
      const seen: JobPayload[] = [];
      const jobs = worker();
      jobs.handle('contract.keyed', async (payload) => {
        seen.push(payload);
      });
      await jobs.start();
      await jobs.idle();
      expect(seen.map((payload) => payload.n).sort()).toEqual([1, 3]);
      await jobs.enqueue('contract.keyed', { n: 4 }, { key: 'outbox-contract-1' });
      await jobs.idle();
      expect(seen.map((payload) => payload.n).sort()).toEqual([1, 3, 4]);
    });

    it('refuses a malformed job key', async () => {
      await expect(worker().enqueue('contract.keyed', {}, { key: 'a:b' })).rejects.toThrow(/invalid job key/);
      await expect(worker().enqueue('contract.keyed', {}, { key: '42' })).rejects.toThrow(/invalid job key/);
    });

    it('refuses a malformed job kind', () => {
      expect(() => worker().handle('Not A Kind', async () => {})).toThrow(/invalid job kind/);
    });

    it('answers a ping', async () => {
      await expect(worker().ping()).resolves.toBeUndefined();
    });
  });
}
