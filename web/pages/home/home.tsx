// Home: for a signed-in person the composer and their feed (infinite scroll, new posts
// announced at the top instead of moving the page); for a visitor, what is popular now.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { useSession } from '../../api/session';
import type { FeedItem } from '../../api/types';
import { Suggestions } from '../../components/aside';
import { Composer } from '../../components/composer';
import { usePaged } from '../../components/load';
import { PagedList } from '../../components/paged-list';
import { type CardPost, PostCard } from '../../components/post-card';
import { Empty } from '../../components/states';
import Trending from '../trending/trending';

const NEW_POSTS_EVERY_MS = 30_000;

/** A feed item's key: a repost of a post is another item than the post itself. */
const keyOf = (item: CardPost) => `${item.id}:${item.reposted_by?.id ?? ''}`;

function Feed() {
  const feed = usePaged(
    (cursor?: string) => ok(api.GET('/api/v1/feed', { params: { query: { limit: 20, cursor } } })),
    [],
  );
  const [fresh, setFresh] = useState<FeedItem[]>([]);

  // New posts since the page loaded: counted, shown when asked for.
  useEffect(() => {
    if (feed.status !== 'ready') return;
    const timer = setInterval(async () => {
      try {
        const page = await ok(api.GET('/api/v1/feed', { params: { query: { limit: 20 } } }));
        const known = new Set(feed.items.map((item) => keyOf(item as CardPost)));
        const firstKnown = page.items.findIndex((item) => known.has(keyOf(item as CardPost)));
        setFresh(firstKnown === -1 ? page.items : page.items.slice(0, firstKnown));
      } catch {
        // Asked again at the next tick.
      }
    }, NEW_POSTS_EVERY_MS);
    return () => clearInterval(timer);
  }, [feed.status, feed.items]);

  const showFresh = () => {
    feed.setItems((items) => [...fresh, ...items]);
    setFresh([]);
    window.scrollTo({ top: 0 });
  };
  const removed = useCallback(
    (id: string) => feed.setItems((items) => items.filter((i) => i.id !== id)),
    [feed],
  );

  return (
    <>
      <Composer
        onPosted={(post) => {
          // One's own new post comes as itself, not as anyone's repost.
          feed.setItems((items) => [{ ...post, reposted_by: null }, ...items]);
        }}
      />
      {fresh.length > 0 && (
        <button type="button" class="pill" onClick={showFresh}>
          {fresh.length === 1 ? '1 new post' : `${fresh.length}${fresh.length === 20 ? '+' : ''} new posts`}
        </button>
      )}
      <PagedList
        list={feed}
        label="Your feed"
        render={(item) => <PostCard key={keyOf(item as CardPost)} post={item} onDeleted={removed} />}
        empty={
          <Empty title="Follow a few people to fill your feed">
            <Suggestions limit={5} />
            <p>
              <a href="/people">Find people</a>
            </p>
          </Empty>
        }
      />
    </>
  );
}

export default function Home() {
  const { me } = useSession();
  if (!me) {
    return (
      <>
        <h1>Polyglot Social</h1>
        <p>
          A social platform whose every kind of data lives on the store that fits it.{' '}
          <a href="/sign-in">Sign in</a> or <a href="/sign-up">create an account</a> to post, follow and shop;{' '}
          <a href="/architecture">see how it is built</a>.
        </p>
        <Trending embedded />
      </>
    );
  }
  return (
    <>
      <h1>Home</h1>
      <Feed />
    </>
  );
}
