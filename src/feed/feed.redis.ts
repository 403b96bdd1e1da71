// Home timelines on Redis: one sorted set per user, `{u:ID}:timeline`, score = the entry's time
// in ms, member = the post id, or `postId/reposterId` for a post that came as a repost. Post ids
// are UUIDs of one length, so equal scores order by post id either way and ZRANGE ... REV gives
// exactly the feed's (at DESC, postId DESC), and a page read names its reposters with no second
// read. Beside it, the hash `{u:ID}:reposts` maps the posts that came as reposts to their
// reposter: it answers "is this post here already" for a member whose name holds the reposter.
// Both keys carry the user's hash tag, so each script touches one slot and the same code runs on
// Redis Cluster. Fan-out writes go in batches, one small script per timeline, each on its user's slot; the client's
// auto-pipelining sends a batch as one pipeline per node. A
// sentinel member (score -1, below every post) marks a timeline that exists yet is empty, so
// "missing" and "empty" stay apart.
import type { RedisClient } from '../engines/redis.ts';
import { TIMELINE_SIZE, type TimelineEntry, type TimelinePort, timelineOf } from './feed.port.ts';

const SENTINEL = 'built';
/** Between a post id and its reposter's id in a member: never part of a UUID. */
const REPOSTED_BY = '/';
/** Timelines per pipeline: large enough to amortise round trips, small enough not to stall Redis. */
const BATCH = 500;
const BATCHES_IN_FLIGHT = 4;

// Every script: KEYS[1] the timeline, KEYS[2] its reposts hash.
const SCRIPTS = {
  // ARGV score, post id, reposter id or '', cap, ttl. Only a timeline that exists takes the
  // entry (a missing one is rebuilt whole on read, and one entry must never pass for the
  // whole), and only if the post is not there yet, as itself or as a repost. Members trimmed
  // past the cap take their reposts-hash field with them.
  feedTimelinePush: `
    if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
    local post = ARGV[2]
    if redis.call('ZSCORE', KEYS[1], post) or redis.call('HEXISTS', KEYS[2], post) == 1 then return 0 end
    local member = post
    if ARGV[3] ~= '' then
      member = post .. '${REPOSTED_BY}' .. ARGV[3]
      redis.call('HSET', KEYS[2], post, ARGV[3])
    end
    redis.call('ZADD', KEYS[1], ARGV[1], member)
    local last = -(tonumber(ARGV[4]) + 1)
    local trimmed = redis.call('ZRANGE', KEYS[1], 1, last)
    if #trimmed > 0 then
      redis.call('ZREMRANGEBYRANK', KEYS[1], 1, last)
      for _, gone in ipairs(trimmed) do
        local at = string.find(gone, '${REPOSTED_BY}', 1, true)
        if at then redis.call('HDEL', KEYS[2], string.sub(gone, 1, at - 1)) end
      end
    end
    redis.call('EXPIRE', KEYS[1], ARGV[5])
    redis.call('EXPIRE', KEYS[2], ARGV[5])
    return 1`,
  // ARGV post id: the post goes, whichever entry of it is there.
  feedTimelineRemove: `
    local by = redis.call('HGET', KEYS[2], ARGV[1])
    if by then
      redis.call('ZREM', KEYS[1], ARGV[1] .. '${REPOSTED_BY}' .. by)
      redis.call('HDEL', KEYS[2], ARGV[1])
    end
    return redis.call('ZREM', KEYS[1], ARGV[1])`,
  // ARGV post id, reposter id: the timeline goes if it shows the post as this reposter's.
  feedTimelineWithdrawRepost: `
    if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
    return redis.call('DEL', KEYS[1], KEYS[2])`,
};

type ScriptClient = RedisClient & {
  [name in keyof typeof SCRIPTS]: (
    timeline: string,
    reposts: string,
    ...args: Array<string | number>
  ) => Promise<number>;
};

export interface RedisTimelineOptions {
  keyPrefix: string;
  /** A timeline unused (neither pushed to nor rebuilt) this long expires: its owner went inactive. */
  ttlSeconds: number;
  size?: number;
}

const memberOf = ({ postId, repostedBy }: TimelineEntry): string =>
  repostedBy === undefined ? postId : `${postId}${REPOSTED_BY}${repostedBy}`;

/** Pairs of [member, score] from ZRANGE ... WITHSCORES, the sentinel left out. */
function entriesOf(flat: string[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const member = flat[i] as string;
    if (member === SENTINEL) continue;
    const [postId, repostedBy] = member.split(REPOSTED_BY) as [string, string | undefined];
    const at = Number(flat[i + 1]);
    entries.push(repostedBy === undefined ? { postId, at } : { postId, at, repostedBy: Number(repostedBy) });
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
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 2, lua });
  }
  const scripts = redis as ScriptClient;
  const key = (userId: number) => `${keyPrefix}{u:${userId}}:timeline`;
  const repostsKey = (userId: number) => `${keyPrefix}{u:${userId}}:reposts`;

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
        scripts.feedTimelinePush(
          key(userId),
          repostsKey(userId),
          entry.at,
          entry.postId,
          entry.repostedBy ?? '',
          size,
          ttlSeconds,
        ),
      ),

    removeFromTimelines: (entry, userIds) =>
      inBatches(userIds, (userId) =>
        scripts.feedTimelineRemove(key(userId), repostsKey(userId), entry.postId),
      ),

    // One script per post, each on the one user's slot; auto-pipelining sends them together.
    async removePostsFromTimeline(userId, postIds) {
      await Promise.all(
        postIds.map((postId) => scripts.feedTimelineRemove(key(userId), repostsKey(userId), postId)),
      );
    },

    withdrawRepost: ({ postId, repostedBy }, userIds) =>
      inBatches(userIds, (userId) =>
        scripts.feedTimelineWithdrawRepost(key(userId), repostsKey(userId), postId, repostedBy),
      ),

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
      const [k, reposts] = [key(userId), repostsKey(userId)];
      const kept = timelineOf(entries, size);
      // MULTI: readers see the old timeline or the whole new one, never a half-built one.
      const multi = redis.multi().del(k, reposts).zadd(k, -1, SENTINEL);
      for (let start = 0; start < kept.length; start += BATCH) {
        const batch = kept.slice(start, start + BATCH);
        multi.zadd(k, ...batch.flatMap((entry) => [entry.at, memberOf(entry)]));
        const repostedBy = batch.flatMap((entry) =>
          entry.repostedBy === undefined ? [] : [entry.postId, entry.repostedBy],
        );
        if (repostedBy.length) multi.hset(reposts, ...repostedBy);
      }
      await execOrThrow(multi.expire(k, ttlSeconds).expire(reposts, ttlSeconds));
    },

    // One DEL per user (its timeline and reposts share the user's slot): on Redis Cluster
    // different users' keys live in different slots.
    dropTimelines: (userIds) => inBatches(userIds, (userId) => redis.del(key(userId), repostsKey(userId))),

    async ping() {
      await redis.ping();
    },
  } satisfies TimelinePort;
}
