// Names for the API's replies, taken from the types generated from the server's /openapi.json
// (schema.d.ts): when a reply changes on the server, the UI stops compiling where it uses it.
import type { paths } from './schema';

type Get<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer J } } } };
}
  ? J
  : never;
type Created<P extends keyof paths> = paths[P] extends {
  post: { responses: { 201: { content: { 'application/json': infer J } } } };
}
  ? J
  : never;
type Body<P extends keyof paths, M extends 'post' | 'put' | 'patch'> = paths[P] extends {
  [K in M]: { requestBody?: { content: { 'application/json': infer B } } };
}
  ? B
  : never;

export type Item<L> = L extends { items: Array<infer I> } ? I : never;

export type Me = Get<'/api/v1/me'>;
export type Profile = Get<'/api/v1/users/{id}'>;
export type ProfileSummary = Item<Get<'/api/v1/users'>>;
export type Relationship = Get<'/api/v1/users/{id}/relationship'>;
export type Suggestion = Item<Get<'/api/v1/me/suggestions'>>;
export type FeedItem = Item<Get<'/api/v1/feed'>>;
export type TrendingItem = Item<Get<'/api/v1/trending'>>;
export type Post = Get<'/api/v1/posts/{id}'>;
export type Comment = Item<Get<'/api/v1/posts/{id}/comments'>>;
export type NewPost = Body<'/api/v1/posts', 'post'>;
export type Session = Created<'/api/v1/sessions'>;
export type SignUp = Body<'/api/v1/accounts', 'post'>;
export type Product = Get<'/api/v1/products/{id}'>;
export type Cart = Get<'/api/v1/me/cart'>;
export type Wallet = Get<'/api/v1/me/wallet'>;
export type LedgerEntry = Item<Get<'/api/v1/me/wallet/entries'>>;
export type Order = Item<Get<'/api/v1/me/orders'>>;
export type Sale = Item<Get<'/api/v1/me/sales'>>;
export type SeatedEvent = Get<'/api/v1/events/{id}'>;
export type LeaderboardEntry = Item<Get<'/api/v1/leaderboards/sellers'>>;
export type Architecture = Get<'/api/v1/architecture'>;
export type Health = Get<'/healthz'>;
export type EndpointMetrics = Get<'/api/v1/metrics/endpoints'>;
export type Demo = Get<'/api/v1/demo'>;
export type Benchmark = Item<Get<'/api/v1/benchmarks'>>;
/** A post as any list shows it: the feed, a profile, trending. */
export type PostView = FeedItem | UserTimelineItem | TrendingItem | Post;
/** A post in a person's own list of posts (their profile). */
export type UserTimelineItem = Item<Get<'/api/v1/users/{id}/posts'>>;
