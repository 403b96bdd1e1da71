// Read-your-writes over a lagging replica. A GET request runs in a read context naming its
// viewer; reads that tolerate lag go to the replica unless the viewer's latest write is not yet
// replayed there. Outside a read context (writes, jobs, start-up) every read goes to the
// primary, so work that reads in order to write never sees an old copy.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface ReadContext {
  /** The signed-in person reading, or undefined for an anonymous reader. */
  viewer: number | undefined;
}

const reads = new AsyncLocalStorage<ReadContext>();

/** Runs `work` (and everything it starts) as a read by `context.viewer`. */
export const inReadContext = <T>(context: ReadContext, work: () => T): T => reads.run(context, work);

/**
 * Runs `work` outside any read, whatever started it: background work (a job a read happened
 * to wake) reads in order to write, so it must read the primary.
 */
export const outsideReads = <T>(work: () => T): T => reads.exit(work);

/** The read this code runs for, or undefined outside a read. */
export const currentRead = (): ReadContext | undefined => reads.getStore();

/**
 * The primary's WAL position (an LSN such as '0/3000148') just after each person's latest
 * write, kept for a while: until the replica has replayed it, that person reads the primary.
 */
export interface WriteMarks {
  latest(userId: number): Promise<string | undefined>;
  remember(userId: number, lsn: string): Promise<void>;
}
