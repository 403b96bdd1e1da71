// Deduplication of post views, in the cache role: a viewer who opens one post again and
// again within a few minutes counts once. A lost cache only lets a repeat count twice.

export interface ViewDedupePort {
  /** True when this is the viewer's first view of the post within `windowSeconds` (and remembers it). */
  firstView(userId: number, postId: string, windowSeconds: number): Promise<boolean>;
  /** Forgets which posts the viewer saw (their account is deleted). Idempotent. */
  forgetViewer(userId: number): Promise<void>;
}

/** The key of one viewer's view of one post: under the user's hash tag, as all their keys. */
export const viewKey = (userId: number, postId: string) => `${viewerKeys(userId)}${postId}`;

/** The start of every view key of one viewer. */
export const viewerKeys = (userId: number) => `{u:${userId}}:viewed:`;
