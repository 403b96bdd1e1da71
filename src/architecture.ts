// The architecture as data, for GET /api/v1/architecture and the web UI's architecture page:
// per role its consistency choice (CP or AP, in the terms of "Database Design Patterns:
// Choosing the Right Data Store"), what happens when its store is down, and the distributed
// engine it moves to when one machine is outgrown. docs/ARCHITECTURE.md says the same in prose.
import type { Engine, Role } from './config.ts';

export interface RoleArchitecture {
  consistency: 'CP' | 'AP';
  why: string;
  when_down: string;
  scales_to: string;
}

export const ARCHITECTURE: Record<Role, RoleArchitecture> = {
  accounts: {
    consistency: 'CP',
    why: 'An email, a handle and a password must be the same for every reader at once: a sign-up or log-in fails rather than disagree.',
    when_down:
      'Sign-ups, log-ins and profile changes answer 503 with Retry-After; sessions already cached keep working.',
    scales_to: 'PostgreSQL with streaming read replicas, then Citus to shard by user',
  },
  commerce: {
    consistency: 'CP',
    why: 'Money and stock move in one ACID transaction: an order, a transfer or a seat is all or nothing, never sold twice.',
    when_down: 'Orders, transfers, deposits and bookings answer 503 with Retry-After; nothing is half done.',
    scales_to: 'PostgreSQL with streaming read replicas, then Citus to shard by user',
  },
  posts: {
    consistency: 'AP',
    why: 'A post, its counters and newest comments are one document; a reader seeing a like a moment late is harmless.',
    when_down:
      'Writing and reading posts answers 503 with Retry-After; feeds already built still list their ids.',
    scales_to: 'a MongoDB replica set, then a sharded cluster with the author id as shard key',
  },
  graph: {
    consistency: 'AP',
    why: 'Who follows whom may settle a moment later; follower counts and suggestions tolerate a short lag.',
    when_down:
      'Follows, follower lists and suggestions answer 503 with Retry-After; built feeds keep serving.',
    scales_to: 'a Neo4j cluster',
  },
  cache: {
    consistency: 'AP',
    why: 'Sessions, home timelines and cached profiles are copies whose record lives in SQL: fast first, rebuilt when lost.',
    when_down:
      'Everything keeps working from the stores of record, slower: sessions and feeds are read from SQL; rate limits fail open except failed log-ins, counted in the process.',
    scales_to: 'Redis Cluster (keys carry hash tags so multi-key commands stay on one slot)',
  },
  jobs: {
    consistency: 'CP',
    why: 'A job accepted is never lost: feed fan-out and copy updates are stored, run at least once and idempotent.',
    when_down:
      'Writes still succeed: their follow-up work waits in the outbox of the store of record and is relayed once the queue is back.',
    scales_to: 'BullMQ on Redis Cluster (a braced prefix keeps each queue on one slot), with more workers',
  },
  analytics: {
    consistency: 'AP',
    why: 'Views and request metrics are written in batches from a bounded buffer: a few events may be lost, never a request slowed.',
    when_down: 'Events are buffered and dropped past the bound (counted); trending and metrics answer 503.',
    scales_to: 'InfluxDB 3 or InfluxDB Enterprise',
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
