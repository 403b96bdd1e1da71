// Home timelines on Redis: one sorted set per user, `{u:ID}:timeline`, score = the entry's time
// in ms, member = the post id, or `postId/reposterId` for a post that came as a repost. Post ids
// are UUIDs of one length, so equal scores order by post id either way and ZRANGE ... REV gives
// exactly the feed's (at DESC, postId DESC), and a page read names its reposters with no second
// read. Beside it, the hash `{u:ID}:reposts` maps the posts that came as reposts to their
// reposter: it answers "is this post here already" for a member whose name holds the reposter.
// Both keys carry the user's hash tag. Fan-out writes take many timelines per script call: on
// one server a call covers a batch of users, on Redis Cluster the users of one hash slot (a
// script may only touch keys of one slot), and the client's auto-pipelining sends the calls of
// a wave as one pipeline per node. A timeline grows up to its cap plus a margin before a push
// trims it back to the cap (one ZREMRANGEBYRANK per margin's worth of pushes, not per push);
// entries past the cap are never read, and count as trimmed when their post comes again. A
// sentinel member (score -1, below every post) marks a timeline that exists yet is empty, so
// "missing" and "empty" stay apart.
import { groupsBySlot, type RedisClient, runScript, type Script, scriptOf } from '../engines/redis.ts';
import type { TimelineEntry, TimelinePort } from './feed.port.ts';
import { newestFirst, TIMELINE_SIZE, timelineOf, trimMarginOf } from './feed.port.ts';

const SENTINEL = 'built';
/** Between a post id and its reposter's id in a member: never part of a UUID. */
const REPOSTED_BY = '/';
/** Timelines per script call: enough to amortise the call, short enough not to stall Redis (about 1 ms). */
const BATCH = 200;
/** Timelines in flight at once: their calls overlap instead of adding up round trips. */
const WAVE = 4000;

/**
 * A script over timelines: KEYS come in pairs, a timeline and its reposts hash (`timeline`,
 * `reposts` in `body`), all of one slot; `body` runs for each pair and counts what it changed
 * in `changed`, which the script returns.
 */
const overTimelines = (body: string): Script =>
  scriptOf(`
    local changed = 0
    for i = 1, #KEYS, 2 do
      local timeline, reposts = KEYS[i], KEYS[i + 1]
      ${body}
    end
    return changed`);

/**
 * A page read in one call (KEYS[1] the timeline; ARGV cap, limit, and the cursor's time or ''):
 * false when the timeline is missing, else its last entry within the cap (those past it are not
 * shown), then with a cursor the entries tied with its time (rarely more than one) and the page
 * strictly older, without one the newest page. Scores start at 0: the sentinel is out.
 */
const READ = scriptOf(`
  if redis.call('EXISTS', KEYS[1]) == 0 then return false end
  local cap, limit = tonumber(ARGV[1]), ARGV[2]
  local edge = redis.call('ZRANGE', KEYS[1], cap - 1, cap - 1, 'REV', 'WITHSCORES')
  if ARGV[3] == '' then
    return {edge, redis.call('ZRANGE', KEYS[1], '+inf', 0, 'BYSCORE', 'REV', 'LIMIT', 0, limit, 'WITHSCORES')}
  end
  return {
    edge,
    redis.call('ZRANGE', KEYS[1], ARGV[3], ARGV[3], 'BYSCORE', 'REV', 'WITHSCORES'),
    redis.call('ZRANGE', KEYS[1], '(' .. ARGV[3], 0, 'BYSCORE', 'REV', 'LIMIT', 0, limit, 'WITHSCORES')
  }`);

const SCRIPTS = {
  // ARGV score, post id, reposter id or '', cap, margin, ttl. Only a timeline that exists takes
  // the entry (a missing one is rebuilt whole on read, and one entry must never pass for the
  // whole), and only if it does not show the post yet, as itself or as a repost: an entry of it
  // past the cap is as good as trimmed, and makes way. Past cap + margin entries (the sentinel
  // aside), the timeline is trimmed to its cap; trimmed members take their reposts-hash field along.
  push: overTimelines(`
    -- ZCARD answers "does it exist" too: an existing timeline holds at least its sentinel.
    local size = redis.call('ZCARD', timeline)
    if size > 0 then
      local post, cap = ARGV[2], tonumber(ARGV[4])
      local by = redis.call('HGET', reposts, post)
      local present = post
      if by then present = post .. '${REPOSTED_BY}' .. by end
      local rank = redis.call('ZREVRANK', timeline, present)
      if rank and rank >= cap then
        size = size - redis.call('ZREM', timeline, present)
        if by then redis.call('HDEL', reposts, post) end
        rank = nil
      end
      if not rank then
        local member = post
        if ARGV[3] ~= '' then
          member = post .. '${REPOSTED_BY}' .. ARGV[3]
          redis.call('HSET', reposts, post, ARGV[3])
        end
        size = size + redis.call('ZADD', timeline, ARGV[1], member)
        if size > cap + tonumber(ARGV[5]) + 1 then
          local last = -(cap + 1)
          local trimmed = redis.call('ZRANGE', timeline, 1, last)
          redis.call('ZREMRANGEBYRANK', timeline, 1, last)
          for _, gone in ipairs(trimmed) do
            local at = string.find(gone, '${REPOSTED_BY}', 1, true)
            if at then redis.call('HDEL', reposts, string.sub(gone, 1, at - 1)) end
          end
        end
        redis.call('EXPIRE', timeline, ARGV[6])
        redis.call('EXPIRE', reposts, ARGV[6])
        changed = changed + 1
      end
    end`),
  // ARGV post id: the post goes, whichever entry of it is there.
  remove: overTimelines(`
    local by = redis.call('HGET', reposts, ARGV[1])
    if by then
      redis.call('ZREM', timeline, ARGV[1] .. '${REPOSTED_BY}' .. by)
      redis.call('HDEL', reposts, ARGV[1])
      changed = changed + 1
    end
    changed = changed + redis.call('ZREM', timeline, ARGV[1])`),
  // ARGV post id, reposter id: the timeline goes if it holds the post as this reposter's.
  withdrawRepost: overTimelines(`
    if redis.call('HGET', reposts, ARGV[1]) == ARGV[2] then
      changed = changed + redis.call('DEL', timeline, reposts)
    end`),
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
  const margin = trimMarginOf(size);
  const key = (userId: number) => `${keyPrefix}{u:${userId}}:timeline`;
  const repostsKey = (userId: number) => `${keyPrefix}{u:${userId}}:reposts`;

  // The users in groups of one slot (on a cluster) of at most BATCH; each group's keys go to
  // `send` as one call, and the calls of up to WAVE users are in flight together.
  const bySlot = async (userIds: readonly number[], send: (keys: string[]) => Promise<unknown>) => {
    const groups = groupsBySlot(redis, userIds, key, BATCH);
    let wave: Array<Promise<unknown>> = [];
    let waveUsers = 0;
    for (const group of groups) {
      wave.push(send(group.flatMap((userId) => [key(userId), repostsKey(userId)])));
      waveUsers += group.length;
      if (waveUsers >= WAVE) {
        await Promise.all(wave);
        [wave, waveUsers] = [[], 0];
      }
    }
    await Promise.all(wave);
  };

  return {
    engine: 'redis',

    pushToTimelines: (entry, userIds) =>
      bySlot(userIds, (keys) =>
        runScript(redis, SCRIPTS.push, keys, [
          entry.at,
          entry.postId,
          entry.repostedBy ?? '',
          size,
          margin,
          ttlSeconds,
        ]),
      ),

    removeFromTimelines: (entry, userIds) =>
      bySlot(userIds, (keys) => runScript(redis, SCRIPTS.remove, keys, [entry.postId])),

    // One script per post, each on the one user's slot; auto-pipelining sends them together.
    async removePostsFromTimeline(userId, postIds) {
      await Promise.all(
        postIds.map((postId) =>
          runScript(redis, SCRIPTS.remove, [key(userId), repostsKey(userId)], [postId]),
        ),
      );
    },

    withdrawRepost: ({ postId, repostedBy }, userIds) =>
      bySlot(userIds, (keys) => runScript(redis, SCRIPTS.withdrawRepost, keys, [postId, repostedBy])),

    async readTimeline(userId, { limit, after }) {
      // One script call rather than a pipeline of its three or four reads: one command to send and parse.
      const ranges = (await runScript(redis, READ, [key(userId)], [size, limit, after?.at ?? ''])) as
        | string[][]
        | null;
      if (ranges === null) return null;
      const [edge = [], first = [], second = []] = ranges.map(entriesOf);
      const capEdge = edge[0];
      const ties = after ? first.filter((entry) => entry.postId < after.postId) : [];
      const page = after ? [...ties, ...second].slice(0, limit) : first;
      return capEdge ? page.filter((entry) => newestFirst(entry, capEdge) <= 0) : page;
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

    // One DEL per group of users of one slot.
    dropTimelines: (userIds) => bySlot(userIds, (keys) => redis.del(...keys)),

    async ping() {
      await redis.ping();
    },
  } satisfies TimelinePort;
}
