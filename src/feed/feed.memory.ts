// Home timelines in process memory (the embedded default): a newest-first array per user,
// with the same rules as the Redis sorted sets (cap, trimmed once past cap + margin, push only
// to existing timelines, each post shown at most once, as itself or as a repost).
import {
  newestFirst,
  TIMELINE_SIZE,
  type TimelineEntry,
  type TimelinePort,
  timelineOf,
  trimMarginOf,
} from './feed.port.ts';

export function createMemoryTimelines({ size = TIMELINE_SIZE }: { size?: number } = {}) {
  const timelines = new Map<number, TimelineEntry[]>();
  const margin = trimMarginOf(size);
  const indexOf = (timeline: TimelineEntry[] | undefined, postId: string) =>
    timeline?.findIndex((item) => item.postId === postId) ?? -1;

  return {
    engine: 'memory',

    async pushToTimelines(entry, userIds) {
      for (const userId of userIds) {
        const timeline = timelines.get(userId);
        if (!timeline) continue;
        const at = indexOf(timeline, entry.postId);
        if (at >= 0 && at < size) continue;
        // An entry of the post past the cap counts as trimmed: the new one takes its place.
        if (at >= 0) timeline.splice(at, 1);
        timeline.push({ ...entry });
        timeline.sort(newestFirst);
        if (timeline.length > size + margin) timeline.length = size;
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
      const shown = timeline.slice(0, size);
      const older = after ? shown.filter((entry) => newestFirst(after, entry) < 0) : shown;
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
