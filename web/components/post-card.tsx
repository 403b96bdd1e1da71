// A post as every list shows it (after the social clients people know): who and when on one
// line, the text, media as a grid, free-form attributes behind "more", and one row of actions
// whose counts change at once and are put back if the server refuses.
import { useState } from 'preact/hooks';
import { api, ok, request } from '../api/client';
import type { RepostFields } from '../api/pending';
import { useSession } from '../api/session';
import type { PostView } from '../api/types';
import { Avatar } from './avatar';
import { ago, count } from './format';
import { Icon } from './icons';

export type CardPost = PostView & RepostFields & { user_has_liked?: boolean; views?: number };

/** The media of a post: http(s) links to images, shown as a grid of up to four. */
export function Media({ urls }: { urls: string[] }) {
  if (!urls.length) return null;
  return (
    <div class={`media media-${Math.min(urls.length, 4)}`}>
      {urls.slice(0, 4).map((url) => (
        <a key={url} href={url} target="_blank" rel="noopener noreferrer nofollow">
          <img src={url} alt="media attached to the post" loading="lazy" referrerpolicy="no-referrer" />
        </a>
      ))}
    </div>
  );
}

export function Attributes({ attributes }: { attributes: Record<string, unknown> }) {
  if (!Object.keys(attributes).length) return null;
  return (
    <details class="attributes">
      <summary>More</summary>
      <pre>{JSON.stringify(attributes, null, 2)}</pre>
    </details>
  );
}

export function PostCard({ post, onDeleted }: { post: CardPost; onDeleted?: (id: string) => void }) {
  const { me } = useSession();
  const [liked, setLiked] = useState(post.user_has_liked ?? false);
  const [likes, setLikes] = useState(post.stats.likes);
  const [reposted, setReposted] = useState(post.user_has_reposted ?? false);
  const [reposts, setReposts] = useState(post.stats.shares);
  const [problem, setProblem] = useState<string | null>(null);

  /** Shows the change now; undoes it if the server says no. */
  const optimistic = async (apply: (undo: boolean) => void, call: () => Promise<unknown>) => {
    setProblem(null);
    apply(false);
    try {
      await call();
    } catch (error) {
      apply(true);
      setProblem((error as Error).message);
    }
  };
  const toggleLike = () => {
    const next = !liked;
    return optimistic(
      (undo) => {
        const on = undo ? !next : next;
        setLiked(on);
        setLikes((n) => n + (on ? 1 : -1));
      },
      () =>
        ok(
          next
            ? api.PUT('/api/v1/posts/{id}/like', { params: { path: { id: post.id } } })
            : api.DELETE('/api/v1/posts/{id}/like', { params: { path: { id: post.id } } }),
        ),
    );
  };
  const toggleRepost = () => {
    const next = !reposted;
    return optimistic(
      (undo) => {
        const on = undo ? !next : next;
        setReposted(on);
        setReposts((n) => n + (on ? 1 : -1));
      },
      () => request(next ? 'PUT' : 'DELETE', `/api/v1/posts/${encodeURIComponent(post.id)}/repost`),
    );
  };
  const remove = async () => {
    if (!confirm('Delete this post? Its comments and likes go with it.')) return;
    try {
      await ok(api.DELETE('/api/v1/posts/{id}', { params: { path: { id: post.id } } }));
      onDeleted?.(post.id);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };

  const own = me?.id === post.author.id;
  const label = `Post by ${post.author.name}`;
  return (
    <li class="card post" aria-label={label}>
      {post.reposted_by && (
        <p class="reposted">
          <Icon name="repost" /> <a href={`/users/${post.reposted_by.id}`}>{post.reposted_by.name}</a>{' '}
          reposted
        </p>
      )}
      <div class="post-head">
        <Avatar person={post.author} />
        <div class="post-body">
          <p class="byline">
            <a href={`/users/${post.author.id}`} class="person-name">
              {post.author.name}
            </a>{' '}
            <span class="handle">@{post.author.handle}</span>
            <span aria-hidden="true"> · </span>
            <a href={`/posts/${post.id}`} class="time">
              <time dateTime={post.created_at} title={new Date(post.created_at).toLocaleString()}>
                {ago(post.created_at)}
              </time>
            </a>
          </p>
          <p class="content">{post.content}</p>
          <Media urls={post.media_urls} />
          <Attributes attributes={post.attributes} />
          {problem && (
            <p class="field-error" role="alert">
              {problem}
            </p>
          )}
          <div class="actions">
            <a class="action" href={`/posts/${post.id}`} aria-label={`Comments: ${post.stats.comments}`}>
              <Icon name="comment" /> {count(post.stats.comments)}
            </a>
            <button
              type="button"
              class="action"
              aria-pressed={reposted}
              aria-label={`${reposted ? 'Undo repost' : 'Repost'} (${reposts})`}
              disabled={!me || own}
              onClick={toggleRepost}
            >
              <Icon name="repost" /> {count(reposts)}
            </button>
            <button
              type="button"
              class="action"
              aria-pressed={liked}
              aria-label={`${liked ? 'Unlike' : 'Like'} (${likes})`}
              disabled={!me}
              onClick={toggleLike}
            >
              <Icon name="heart" filled={liked} /> {count(likes)}
            </button>
            {post.views !== undefined && <span class="action views">{count(post.views)} views</span>}
            {own && (
              <button type="button" class="action danger" onClick={remove} aria-label="Delete post">
                Delete
              </button>
            )}
          </div>
        </div>
      </div>
    </li>
  );
}
