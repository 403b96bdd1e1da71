// Home timelines in process memory (the embedded default): a newest-first array per user,
// with the same rules as the Redis sorted sets (cap, push only to existing timelines).
import { newestFirst, TIMELINE_SIZE, type TimelineEntry, type TimelinePort } from './feed.port.ts';

export function createMemoryTimelines({ size = TIMELINE_SIZE }: { size?: number } = {}) {
  const timelines = new Map<number, TimelineEntry[]>();
  return {
    engine: 'memory',

    async pushToTimelines(entry, userIds) {
      for (const userId of userIds) {
        const timeline = timelines.get(userId);
        if (!timeline || timeline.some((item) => item.postId === entry.postId)) continue;
        timeline.push({ ...entry });
        timeline.sort(newestFirst);
        timeline.length = Math.min(timeline.length, size);
      }
    },

    async removeFromTimelines(entry, userIds) {
      for (const userId of userIds) {
        const timeline = timelines.get(userId);
        const at = timeline?.findIndex((item) => item.postId === entry.postId) ?? -1;
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
        entries
          .map((entry) => ({ ...entry }))
          .sort(newestFirst)
          .slice(0, size),
      );
    },

    async dropTimelines(userIds) {
      for (const userId of userIds) timelines.delete(userId);
    },

    async ping() {},
  } satisfies TimelinePort;
}
