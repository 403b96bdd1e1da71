// One typed event flow: the domain's facts, published by the role that owns them after they
// commit, and the subscriptions of the other roles. No role calls into another's reactions,
// clears another's cache keys or names another's jobs: it publishes, the others subscribe.
//
// Two kinds of subscriber:
//   durable   subscribe(name, job, handle): the reaction must happen even if the process dies
//             or the queue loses its data (feed fan-out, copying a new name into posts). The
//             publisher records the fact with its write, in the same transaction, as one
//             outbox entry per durable subscriber (record(): pass the entries to the adapter's
//             write); the relay turns each entry into a job keyed by the entry and removes the
//             entry only once the handler completed. Handlers run at least once: idempotent.
//   immediate onCommit(name, handle): cheap in-process work right after the commit, before the
//             request answers (forgetting cached copies, dropping a timeline). Run by
//             committed(); a failure is logged, never reported: the write did commit.
// A publisher calls both: `await port.write(..., events.record(f))`, then `await events.committed(f)`.

import type { JobPayload } from './jobs/jobs.port.ts';
import type { Reaction } from './jobs/outbox.port.ts';
import type { Log } from './log.ts';

type Delta = 1 | -1;

/** Every fact of the domain and its payload (JSON: ids, numbers, strings; times as ms since 1970). */
export interface DomainEvents {
  'account.created': { user_id: number };
  /** Profile fields changed (their names, e.g. ['name', 'avatar_url']). */
  'account.changed': { user_id: number; fields: string[] };
  /** The account is gone (its erasure runs as the subscribers' reactions). */
  'account.deleted': { user_id: number };
  /** `at`: the post's creation time; `mentions`: the accounts its text names, resolved at write time. */
  'post.created': { post_id: string; author_id: number; at: number; mentions?: number[] };
  'post.changed': { post_id: string; author_id: number };
  'post.deleted': { post_id: string; author_id: number; at: number };
  /** A repost appeared (+1) or was taken back (-1). */
  'post.reposted': { post_id: string; author_id: number; reposter_id: number; at: number; delta: Delta };
  'follow.changed': { follower_id: number; followee_id: number; delta: Delta };
  'block.changed': { blocker_id: number; blocked_id: number; delta: Delta };
  'mute.changed': { muter_id: number; muted_id: number; delta: Delta };
  'like.changed': { post_id: string; user_id: number; delta: Delta };
  'comment.created': {
    post_id: string;
    comment_id: string;
    author_id: number;
    at: number;
    mentions?: number[];
  };
  'comment.changed': { post_id: string; comment_id: string; author_id: number };
  'comment.deleted': { post_id: string; comment_id: string; author_id: number };
}

export type EventName = keyof DomainEvents;

/** One fact: its name and payload. */
export type Fact<Name extends EventName = EventName> = {
  [N in Name]: { name: N; payload: DomainEvents[N] };
}[Name];

export const fact = <Name extends EventName>(name: Name, payload: DomainEvents[Name]): Fact<Name> =>
  ({ name, payload }) as Fact<Name>;

export type EventHandler<Name extends EventName> = (payload: DomainEvents[Name]) => Promise<void>;

/** Where durable subscribers' jobs run: the outbox relay (jobs/outbox.relay.ts). */
export interface EventRelay {
  handle(kind: string, handler: (payload: JobPayload) => Promise<void>): void;
  relayNow(): void;
}

interface Durable {
  job: string;
  when?: (payload: never) => boolean;
}

export class EventBus {
  private readonly durable = new Map<EventName, Durable[]>();
  private readonly immediate = new Map<EventName, EventHandler<never>[]>();

  constructor(
    private readonly relay: EventRelay,
    private readonly log: Pick<Log, 'warn'>,
  ) {}

  /**
   * A durable reaction to `name`, run as jobs of kind `job` (unique per subscription; the job
   * kind stays the same across releases, so entries stored by an earlier one still run).
   * `when`: only facts it accepts are recorded for this subscriber. Call before the relay starts.
   */
  subscribe<Name extends EventName>(
    name: Name,
    job: string,
    handle: EventHandler<Name>,
    { when }: { when?: (payload: DomainEvents[Name]) => boolean } = {},
  ): void {
    if ([...this.durable.values()].some((subs) => subs.some((sub) => sub.job === job))) {
      throw new Error(`the job ${job} subscribes twice`);
    }
    this.durable.set(name, [...(this.durable.get(name) ?? []), { job, when: when as Durable['when'] }]);
    this.relay.handle(job, (payload) => handle(payload as unknown as DomainEvents[Name]));
  }

  /** An in-process reaction right after `name` commits: cheap, and allowed to be lost with the process. */
  onCommit<Name extends EventName>(name: Name, handle: EventHandler<Name>): void {
    this.immediate.set(name, [...(this.immediate.get(name) ?? []), handle as EventHandler<never>]);
  }

  /** The outbox entries recording `facts` for their durable subscribers: write them in the fact's transaction. */
  record(...facts: Fact[]): Reaction[] {
    return facts.flatMap(({ name, payload }) =>
      (this.durable.get(name) ?? [])
        .filter((sub) => !sub.when || sub.when(payload as never))
        .map((sub) => ({ kind: sub.job, payload: payload as unknown as JobPayload })),
    );
  }

  /** After the write of `facts` committed: runs the in-process subscribers and relays the recorded entries now. */
  async committed(...facts: Fact[]): Promise<void> {
    if (facts.some(({ name }) => this.durable.has(name))) this.relay.relayNow();
    for (const { name, payload } of facts) {
      for (const handle of this.immediate.get(name) ?? []) {
        await handle(payload as never).catch((error: unknown) =>
          this.log.warn({ err: error, event: name }, 'an after-commit subscriber failed'),
        );
      }
    }
  }
}
