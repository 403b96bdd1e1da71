// Home timelines in process memory (the embedded default): a newest-first array per user,
// with the same rules as the Redis sorted sets (cap, push only to existing timelines, each
// post at most once, as itself or as a repost).
import {
  newestFirst,
  TIMELINE_SIZE,
  type TimelineEntry,
  type TimelinePort,
  timelineOf,
} from './feed.port.ts';

export function createMemoryTimelines({ size = TIMELINE_SIZE }: { size?: number } = {}) {
  const timelines = new Map<number, TimelineEntry[]>();
  const indexOf = (timeline: TimelineEntry[] | undefined, postId: string) =>
    timeline?.findIndex((item) => item.postId === postId) ?? -1;

  return {
    engine: 'memory',

    async pushToTimelines(entry, userIds) {
      for (const userId of userIds) {
        const timeline = timelines.get(userId);
        if (!timeline || indexOf(timeline, entry.postId) >= 0) continue;
        timeline.push({ ...entry });
        timeline.sort(newestFirst);
        timeline.length = Math.min(timeline.length, size);
      }
    },

    async removeFromTimelines(entry, userIds) {
      for (const userId of userIds) {
        const timeline = timelines.get(userId);
        const at = indexOf(timeline, entry.postId);
        if (timeline && at >= 0) timeline.splice(at, 1);
      }
    },

    async removePostsFromTimeline(userId, postIds) {
      const timeline = timelines.get(userId);
      if (!timeline) return;
      const removed = new Set(postIds);
      timelines.set(
        userId,
        timeline.filter((entry) => !removed.has(entry.postId)),
      );
    },

    async withdrawRepost({ postId, repostedBy }, userIds) {
      for (const userId of userIds) {
        const timeline = timelines.get(userId);
        if (timeline?.[indexOf(timeline, postId)]?.repostedBy === repostedBy) timelines.delete(userId);
      }
    },

    async readTimeline(userId, { limit, after }) {
      const timeline = timelines.get(userId);
      if (!timeline) return null;
      const older = after ? timeline.filter((entry) => newestFirst(after, entry) < 0) : timeline;
      return older.slice(0, limit).map((entry) => ({ ...entry }));
    },

    async hasTimeline(userId) {
      return timelines.has(userId);
    },

    async rebuildTimeline(userId, entries) {
      timelines.set(
        userId,
        timelineOf(entries, size).map((entry) => ({ ...entry })),
      );
    },

    async dropTimelines(userIds) {
      for (const userId of userIds) timelines.delete(userId);
    },

    async ping() {},
  } satisfies TimelinePort;
}
