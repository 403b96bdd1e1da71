// Home timelines on Redis: one sorted set per user, `{u:ID}:timeline`, score = the post's
// creation time in ms, member = the post id. Equal scores order by member, so ZRANGE ... REV
// gives exactly the feed's (created_at DESC, id DESC). Fan-out writes go in batches, one small
// script per timeline (ZADD + ZREMRANGEBYRANK to the cap), each on its user's slot; the client's
// auto-pipelining sends a batch as one pipeline per node, so the same code runs on Redis Cluster. A sentinel member (score -1, below every post) marks
// a timeline that exists yet is empty, so "missing" and "empty" stay apart.
import type { RedisClient } from '../engines/redis.ts';
import { newestFirst, TIMELINE_SIZE, type TimelineEntry, type TimelinePort } from './feed.port.ts';

const SENTINEL = 'built';
/** Timelines per batch: large enough to amortise round trips, small enough not to stall Redis. */
const BATCH = 500;
const BATCHES_IN_FLIGHT = 4;

const SCRIPTS = {
  // KEYS[1] timeline; ARGV score, member, cap, ttl. Only a timeline that exists takes the entry:
  // a missing one is rebuilt whole on read, and one entry must never pass for the whole.
  feedTimelinePush: `
    if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
    redis.call('ZREMRANGEBYRANK', KEYS[1], 1, -(tonumber(ARGV[3]) + 1))
    redis.call('EXPIRE', KEYS[1], ARGV[4])
    return 1`,
};

type ScriptClient = RedisClient & {
  feedTimelinePush(key: string, ...args: Array<string | number>): Promise<number>;
};

export interface RedisTimelineOptions {
  keyPrefix: string;
  /** A timeline unused (neither pushed to nor rebuilt) this long expires: its owner went inactive. */
  ttlSeconds: number;
  size?: number;
}

/** Pairs of [member, score] from ZRANGE ... WITHSCORES, the sentinel left out. */
function entriesOf(flat: string[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const postId = flat[i] as string;
    if (postId !== SENTINEL) entries.push({ postId, at: Number(flat[i + 1]) });
  }
  return entries;
}

async function execOrThrow(
  pipeline: ReturnType<RedisClient['pipeline']>,
): Promise<Array<[Error | null, unknown]>> {
  const results = await pipeline.exec();
  if (!results) throw new Error('the timeline pipeline was aborted');
  for (const [error] of results) if (error) throw error;
  return results;
}

export function createRedisTimelines(
  redis: RedisClient,
  { keyPrefix, ttlSeconds, size = TIMELINE_SIZE }: RedisTimelineOptions,
) {
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua });
  }
  const scripts = redis as ScriptClient;
  const key = (userId: number) => `${keyPrefix}{u:${userId}}:timeline`;

  // One single-key command per timeline: timelines live in different slots, so no command and
  // no explicit pipeline may hold two of them. Up to BATCH * BATCHES_IN_FLIGHT commands are in
  // flight at once, so that round trips overlap instead of adding up.
  const inBatches = async (userIds: readonly number[], send: (userId: number) => Promise<unknown>) => {
    const step = BATCH * BATCHES_IN_FLIGHT;
    for (let start = 0; start < userIds.length; start += step) {
      await Promise.all(userIds.slice(start, start + step).map(send));
    }
  };

  return {
    engine: 'redis',

    pushToTimelines: (entry, userIds) =>
      inBatches(userIds, (userId) =>
        scripts.feedTimelinePush(key(userId), entry.at, entry.postId, size, ttlSeconds),
      ),

    removeFromTimelines: (entry, userIds) =>
      inBatches(userIds, (userId) => redis.zrem(key(userId), entry.postId)),

    // ZREM of many members, in batches, on the one key (one slot on Redis Cluster).
    async removePostsFromTimeline(userId, postIds) {
      const pipeline = redis.pipeline();
      for (let start = 0; start < postIds.length; start += BATCH)
        pipeline.zrem(key(userId), ...postIds.slice(start, start + BATCH));
      if (postIds.length) await execOrThrow(pipeline);
    },

    async readTimeline(userId, { limit, after }) {
      const k = key(userId);
      // One round trip: does it exist, the entries tied with the cursor's time (rarely more than
      // one), and the page strictly older than that time. Scores start at 0: the sentinel is out.
      const pipeline = redis.pipeline().exists(k);
      if (after) {
        pipeline.zrange(k, after.at, after.at, 'BYSCORE', 'REV', 'WITHSCORES');
        pipeline.zrange(k, `(${after.at}`, 0, 'BYSCORE', 'REV', 'LIMIT', 0, limit, 'WITHSCORES');
      } else {
        pipeline.zrange(k, '+inf', 0, 'BYSCORE', 'REV', 'LIMIT', 0, limit, 'WITHSCORES');
      }
      const [existence, ...pages] = await execOrThrow(pipeline);
      if (existence?.[1] === 0) return null;
      const [first, second] = pages.map(([, flat]) => entriesOf(flat as string[]));
      if (!after) return first ?? [];
      const ties = (first ?? []).filter((entry) => entry.postId < after.postId);
      return [...ties, ...(second ?? [])].slice(0, limit);
    },

    async hasTimeline(userId) {
      return (await redis.exists(key(userId))) === 1;
    },

    async rebuildTimeline(userId, entries) {
      const k = key(userId);
      const newest = [...entries].sort(newestFirst).slice(0, size);
      // MULTI: readers see the old timeline or the whole new one, never a half-built one.
      const multi = redis.multi().del(k).zadd(k, -1, SENTINEL);
      for (let start = 0; start < newest.length; start += BATCH) {
        const args = newest.slice(start, start + BATCH).flatMap((entry) => [entry.at, entry.postId]);
        multi.zadd(k, ...args);
      }
      await execOrThrow(multi.expire(k, ttlSeconds));
    },

    // One DEL per key: on Redis Cluster the keys live in different slots.
    dropTimelines: (userIds) => inBatches(userIds, (userId) => redis.del(key(userId))),

    async ping() {
      await redis.ping();
    },
  } satisfies TimelinePort;
}
