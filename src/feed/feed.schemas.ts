// Request and reply schemas of the home feed: its items are the user timeline's (posts
// without comments, plus user_has_liked), so the feed reuses those schemas.
export { PageQuery as FeedQuery } from '../http/schemas.ts';
export { TimelinePageReply as FeedPageReply } from '../posts/posts.schemas.ts';

/** Set on a page served from the stores because the cache was unreachable. */
export const DEGRADED_HEADER = 'x-feed-degraded';
