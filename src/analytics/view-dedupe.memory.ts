// View deduplication in this process: a Map of when each viewer's window ends, bounded.
import { type ViewDedupePort, viewerKeys, viewKey } from './view-dedupe.port.ts';

export function createMemoryViewDedupe({ maxEntries = 100_000, now = Date.now } = {}) {
  const windowEnds = new Map<string, number>();
  return {
    async firstView(userId, postId, windowSeconds) {
      const key = viewKey(userId, postId);
      const ends = windowEnds.get(key);
      if (ends !== undefined && ends > now()) return false;
      windowEnds.delete(key);
      windowEnds.set(key, now() + windowSeconds * 1000);
      // The oldest window goes first: at worst a repeat view long ago counts again.
      if (windowEnds.size > maxEntries) {
        const oldest = windowEnds.keys().next().value;
        if (oldest !== undefined) windowEnds.delete(oldest);
      }
      return true;
    },
    async forgetViewer(userId) {
      const start = viewerKeys(userId);
      for (const key of windowEnds.keys()) if (key.startsWith(start)) windowEnds.delete(key);
    },
  } satisfies ViewDedupePort;
}
