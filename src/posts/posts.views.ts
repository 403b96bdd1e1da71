// The viewer seam: every list of posts (or comments) a person sees passes through here, as
// atproto's AppView builds a view: the store gives the skeleton (a page of items), hydration
// adds the viewer's state (user_has_liked, user_has_reposted), the viewer's rules (blocks,
// mutes) hide what this viewer must not see, and the page is presented. Routes and feed
// strategies never filter by themselves; a strategy may skip work the rules would hide
// anyway (fan-out to a timeline), but correctness comes from here, on every read.
// Rules run after paging: a hidden item leaves its page shorter, the cursor still continues
// after the last item fetched, so paging neither repeats nor skips.
import type { Page } from '../pagination.ts';
import type { PostSummary } from './posts.port.ts';

/** What a list item needs for the seam: its id, its author's, and its reposter's when it came as a repost. */
export interface Viewed {
  id: string;
  author: { id: number };
  reposted_by?: { id: number } | null;
}

/** Whose items the rules judge: the author, and the reposter that brought it. */
type Judged = { author: { id: number }; reposted_by?: { id: number } | null };

/** The viewer's state on a post, for a signed-in viewer. */
export interface ViewerState {
  user_has_liked?: boolean;
  user_has_reposted?: boolean;
}

/** A feed, trending or user-timeline item: the post without comments, plus the viewer's state. */
export type TimelineItem = PostSummary & ViewerState;

/**
 * A rule of what one viewer may see (blocks, mutes): given the viewer and the authors of the
 * items on a page, the authors whose items are hidden from this viewer. `lists` says where it
 * applies: a mute hides from the home feed only, a block everywhere.
 */
export interface ViewerRule {
  readonly name: string;
  readonly lists: 'all' | readonly ViewList[];
  hiddenAuthors(viewerId: number, authorIds: readonly number[]): Promise<Set<number>>;
  /** Makes what hiddenAuthors will ask of `viewerId` ready ahead of a page (optional). */
  warm?(viewerId: number): Promise<void>;
  /**
   * For a rule that also bars acting on (liking, commenting on, reposting) an author's posts:
   * true when it bars `viewerId` from acting on `authorId`'s, asked of the store of record.
   */
  barsActing?(viewerId: number, authorId: number): Promise<boolean>;
}

/** The lists of the platform that show posts or comments. */
export type ViewList = 'home' | 'timeline' | 'comments' | 'trending' | 'post' | 'notifications';

/** The viewer's own relations to posts: which of a page's posts they liked, and reposted. */
export interface ViewerRelations {
  liked(viewerId: number, postIds: readonly string[]): Promise<Set<string>>;
  reposted(viewerId: number, postIds: readonly string[]): Promise<Set<string>>;
  /** Makes both ready for `viewerId` ahead of a page. */
  warm(viewerId: number): Promise<void>;
}

export class PostViews {
  private readonly rules: ViewerRule[] = [];

  constructor(private readonly relations: ViewerRelations) {}

  /** Adds a rule; every list read from now on applies it. */
  addRule(rule: ViewerRule): void {
    this.rules.push(rule);
  }

  /**
   * A page of posts as `viewerId` sees it in `list`: hidden authors' posts out, the viewer's
   * state in. An anonymous viewer (undefined) gets the page as it is, with no state.
   * A state the store hydrated already (the SQL join's user_has_liked) is kept.
   */
  async posts<Item extends Viewed & ViewerState, P extends Page<Item>>(
    viewerId: number | undefined,
    list: ViewList,
    page: P,
  ): Promise<P & Page<Item & ViewerState>> {
    if (viewerId === undefined) return page;
    // The rules and the viewer's state are asked together (one round trip to the cache role),
    // the state for every item of the page, hidden ones included.
    const ids = page.items.map((item) => item.id);
    const needLikes = page.items.some((item) => item.user_has_liked === undefined);
    const [visible, liked, reposted] = await Promise.all([
      this.visible(viewerId, list, page.items),
      needLikes && ids.length ? this.relations.liked(viewerId, ids) : undefined,
      this.relations.reposted(viewerId, ids),
    ]);
    const items = visible.map((item) => ({
      ...item,
      user_has_liked: item.user_has_liked ?? liked?.has(item.id) ?? false,
      user_has_reposted: reposted.has(item.id),
    }));
    return { ...page, items };
  }

  /**
   * Starts making ready what a page of `list` will ask about `viewerId` (their state, the rules'
   * sets), while the caller fetches the page itself; a failure here only costs the later asks.
   */
  warm(viewerId: number, list: ViewList): Promise<void> {
    const rules = this.rules.filter((rule) => rule.lists === 'all' || rule.lists.includes(list));
    return Promise.all([this.relations.warm(viewerId), ...rules.map((rule) => rule.warm?.(viewerId))]).then(
      () => {},
      () => {},
    );
  }

  /** A page of comments (or any authored items) as `viewerId` sees it: hidden authors' out. */
  async authored<Item extends { author: { id: number } }, P extends Page<Item>>(
    viewerId: number | undefined,
    list: ViewList,
    page: P,
  ): Promise<P> {
    if (viewerId === undefined) return page;
    return { ...page, items: await this.visible(viewerId, list, page.items) };
  }

  /** True when `viewerId` may see an item by `authorId` in `list` (a single post). */
  async mayView(viewerId: number | undefined, list: ViewList, authorId: number): Promise<boolean> {
    if (viewerId === undefined) return true;
    return (await this.visible(viewerId, list, [{ author: { id: authorId } }])).length === 1;
  }

  /**
   * True when no rule bars `viewerId` from acting on (liking, commenting on, reposting) an item
   * by `authorId`: a block does, either way; a mute does not.
   */
  async mayActOn(viewerId: number, authorId: number): Promise<boolean> {
    const barred = await Promise.all(this.rules.map((rule) => rule.barsActing?.(viewerId, authorId)));
    return !barred.includes(true);
  }

  private async visible<Item extends Judged>(
    viewerId: number,
    list: ViewList,
    items: Item[],
  ): Promise<Item[]> {
    if (!items.length) return items;
    // A hidden reposter hides what they reposted too: a block or mute covers what they bring.
    const hidden = await this.hiddenAuthors(
      viewerId,
      list,
      items.flatMap((item) => (item.reposted_by ? [item.author.id, item.reposted_by.id] : [item.author.id])),
    );
    return hidden.size
      ? items.filter(
          (item) => !hidden.has(item.author.id) && !(item.reposted_by && hidden.has(item.reposted_by.id)),
        )
      : items;
  }

  /** Which of `authorIds` the rules of `list` hide from `viewerId` (a list whose items are not posts). */
  async hiddenAuthors(viewerId: number, list: ViewList, authorIds: readonly number[]): Promise<Set<number>> {
    const rules = this.rules.filter((rule) => rule.lists === 'all' || rule.lists.includes(list));
    const hidden = new Set<number>();
    if (!rules.length || !authorIds.length) return hidden;
    const authors = [...new Set(authorIds)];
    for (const found of await Promise.all(rules.map((rule) => rule.hiddenAuthors(viewerId, authors)))) {
      for (const id of found) hidden.add(id);
    }
    return hidden;
  }
}
