// The architecture as data, for GET /api/v1/architecture and the web UI's architecture page:
// per role its consistency choice (CP or AP, in the terms of "Database Design Patterns:
// Choosing the Right Data Store"), what happens when its store is down, the distributed
// engine it moves to when one machine is outgrown and whether CI runs that engine, and what
// the fault tests (test/faults/) showed. docs/ARCHITECTURE.md says the same in prose.
import type { Engine, Role } from './config.ts';

export interface RoleArchitecture {
  consistency: 'CP' | 'AP';
  why: string;
  when_down: string;
  scales_to: string;
  /** Whether CI runs the role on that distributed engine (only engines Debian packages for loopback can be). */
  tested_in_ci: boolean;
  /** What the fault tests, against real servers stopped or slowed on purpose, showed. */
  fault_tests: string;
}

export const ARCHITECTURE: Record<Role, RoleArchitecture> = {
  accounts: {
    consistency: 'CP',
    why: 'An email, a handle and a password must be the same for every reader at once: a sign-up or log-in fails rather than disagree.',
    when_down:
      'Sign-ups, log-ins and profile changes answer 503 with Retry-After; sessions already cached keep working.',
    scales_to: 'PostgreSQL with streaming read replicas, then Citus to shard by user',
    tested_in_ci: true,
    fault_tests:
      'Replica applying commits 3 s late: a writer reads their own writes, others read the lagging replica; replica down: its reads go to the primary. PostgreSQL stopped: 503 with Retry-After within DATABASE_TIMEOUT_MS, /healthz 503, back without a restart; slowed by 2 s: 503 at the bound, no more connections than the pool.',
  },
  commerce: {
    consistency: 'CP',
    why: 'Money and stock move in one ACID transaction: an order, a transfer or a seat is all or nothing, never sold twice.',
    when_down: 'Orders, transfers, deposits and bookings answer 503 with Retry-After; nothing is half done.',
    scales_to: 'PostgreSQL with streaming read replicas, then Citus to shard by user',
    tested_in_ci: true,
    fault_tests:
      "Products read from a lagging replica except by their seller. Redis stopped: carts, checkouts, orders and transfers succeed (all in PostgreSQL), the sellers' leaderboard is read from the record. PostgreSQL stopped or slowed: 503 with Retry-After, never 500.",
  },
  posts: {
    consistency: 'AP',
    why: 'A post, its counters and newest comments are one document; a reader seeing a like a moment late is harmless.',
    when_down:
      'Writing and reading posts answers 503 with Retry-After; feeds already built still list their ids.',
    scales_to: 'a MongoDB replica set, then a sharded cluster with the author id as shard key',
    tested_in_ci: false,
    fault_tests:
      'On PostgreSQL: user timelines read from a lagging replica except by their author; posts written while Redis was down kept their fan-out (outbox) and reached every timeline once. No MongoDB server runs in CI.',
  },
  graph: {
    consistency: 'AP',
    why: 'Who follows whom may settle a moment later; follower counts and suggestions tolerate a short lag.',
    when_down:
      'Follows, follower lists and suggestions answer 503 with Retry-After; built feeds keep serving.',
    scales_to: 'a Neo4j cluster',
    tested_in_ci: false,
    fault_tests:
      'On PostgreSQL: follower lists and suggestions read from a lagging replica, a follow seen at once by its follower. No Neo4j server runs in CI.',
  },
  cache: {
    consistency: 'AP',
    why: 'Sessions, home timelines and cached profiles are copies whose record lives in SQL: fast first, rebuilt when lost.',
    when_down:
      'Everything keeps working from the stores of record, slower: sessions and feeds are read from SQL; rate limits fail open except failed log-ins, counted in the process.',
    scales_to: 'Redis Cluster (keys carry hash tags so multi-key commands stay on one slot)',
    tested_in_ci: true,
    fault_tests:
      'Redis stopped mid-run, back empty: feeds served from the stores with x-feed-degraded, sessions from their record, /healthz 503 naming cache and jobs; back to the cache without a restart, no acknowledged write lost.',
  },
  jobs: {
    consistency: 'CP',
    why: 'A job accepted is never lost: feed fan-out and copy updates are stored, run at least once and idempotent.',
    when_down:
      'Writes still succeed: their follow-up work waits in the outbox of the store of record and is relayed once the queue is back.',
    scales_to: 'BullMQ on Redis Cluster (a braced prefix keeps each queue on one slot), with more workers',
    tested_in_ci: true,
    fault_tests:
      'Redis (BullMQ) stopped and restarted empty: every write still succeeded and its follow-up work, kept in the outbox, ran once after the return.',
  },
  analytics: {
    consistency: 'AP',
    why: 'Views and request metrics are written in batches from a bounded buffer: a few events may be lost, never a request slowed.',
    when_down: 'Events are buffered and dropped past the bound (counted); trending and metrics answer 503.',
    scales_to: 'InfluxDB 3 or InfluxDB Enterprise',
    tested_in_ci: false,
    fault_tests:
      'InfluxDB stopped: events held in the bounded buffer (past it dropped and counted) and written on its return; trending 503 with Retry-After; the rest unaffected. CI runs one InfluxDB 1.x, not InfluxDB 3.',
  },
};

/** Every role with the engine that serves it now. */
export function describeArchitecture(engines: Partial<Record<Role, Engine>>) {
  return {
    source: 'Database Design Patterns: Choosing the Right Data Store',
    roles: Object.entries(ARCHITECTURE).map(([role, entry]) => ({
      role,
      engine: engines[role as Role] ?? null,
      ...entry,
    })),
  };
}
