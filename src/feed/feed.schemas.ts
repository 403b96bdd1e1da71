// Request and reply schemas of the home feed: its items are the user timeline's (posts
// without comments, plus user_has_liked), and who of the followees reposted each.
import { Type } from 'typebox';
import { ProfileSummaryReply } from '../accounts/accounts.schemas.ts';
import { Page } from '../http/schemas.ts';
import { TimelineItemReply } from '../posts/posts.schemas.ts';

export { PageQuery as FeedQuery } from '../http/schemas.ts';

export const FeedItemReply = Type.Object(
  {
    ...TimelineItemReply.properties,
    reposted_by: Type.Union([ProfileSummaryReply, Type.Null()], {
      description: 'the followee whose repost brought the post into the feed; null when it came as itself',
    }),
  },
  { title: 'FeedItem' },
);
export const FeedPageReply = Page(FeedItemReply);

/** Set on a page served from the stores because the cache was unreachable. */
export const DEGRADED_HEADER = 'x-feed-degraded';
