// A post's own page: the post, a comment box, and all its comments page by page; a comment's
// author may edit or delete it, and the post's author may delete any comment on it.

import { useEffect, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, ok, request } from '../../api/client';
import { useSession } from '../../api/session';
import type { Comment } from '../../api/types';
import { PersonLine } from '../../components/avatar';
import { Field, FormError, fieldError } from '../../components/field';
import { ago } from '../../components/format';
import { useLoad, usePaged } from '../../components/load';
import { PagedList } from '../../components/paged-list';
import { PostCard } from '../../components/post-card';
import { Failed, Skeleton } from '../../components/states';

function CommentItem({
  comment,
  postId,
  postAuthorId,
  onChanged,
  onDeleted,
}: {
  comment: Comment;
  postId: string;
  postAuthorId: number;
  onChanged: (comment: Comment) => void;
  onDeleted: (id: string) => void;
}) {
  const { me } = useSession();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(comment.text);
  const [error, setError] = useState<unknown>(null);
  const mine = me?.id === comment.author.id;
  const save = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const changed = await request<Comment>(
        'PATCH',
        `/api/v1/posts/${encodeURIComponent(postId)}/comments/${encodeURIComponent(comment.id)}`,
        { text },
      );
      onChanged({ ...comment, ...changed, text: changed?.text ?? text });
      setEditing(false);
    } catch (failure) {
      setError(failure);
    }
  };
  const remove = async () => {
    if (!confirm('Delete this comment?')) return;
    try {
      await ok(
        api.DELETE('/api/v1/posts/{id}/comments/{comment_id}', {
          params: { path: { id: postId, comment_id: comment.id } },
        }),
      );
      onDeleted(comment.id);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <li class="card" aria-label={`Comment by ${comment.author.name}`}>
      <PersonLine person={comment.author}>
        <span class="time">
          <time dateTime={comment.created_at}>{ago(comment.created_at)}</time>
          {(comment as { edited_at?: string | null }).edited_at ? ' · edited' : ''}
        </span>
      </PersonLine>
      {editing ? (
        <form onSubmit={save}>
          <Field
            label="Edit comment"
            name={`comment-${comment.id}`}
            multiline
            value={text}
            onInput={(event) => setText(event.currentTarget.value)}
            error={fieldError(error, 'text')}
          />
          <div class="row">
            <button type="submit">Save comment</button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <p class="content">{comment.text}</p>
      )}
      {!editing && <FormError error={error} />}
      {!editing && (mine || me?.id === postAuthorId) && (
        <div class="actions">
          {mine && (
            <button type="button" class="action" onClick={() => setEditing(true)}>
              Edit
            </button>
          )}
          <button type="button" class="action danger" onClick={remove}>
            Delete comment
          </button>
        </div>
      )}
    </li>
  );
}

export default function PostPage() {
  const { params } = useRoute();
  const { route } = useLocation();
  const { me } = useSession();
  const id = params.id as string;
  const post = useLoad(() => ok(api.GET('/api/v1/posts/{id}', { params: { path: { id } } })), [id]);
  const comments = usePaged(
    (cursor?: string) =>
      ok(api.GET('/api/v1/posts/{id}/comments', { params: { path: { id }, query: { limit: 20, cursor } } })),
    [id],
  );
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);

  // Opening a post counts a view (once per viewer within minutes): what trending ranks.
  useEffect(() => {
    void api.POST('/api/v1/posts/{id}/views', { params: { path: { id } } }).catch(() => {});
  }, [id]);

  const comment = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const made = await ok(
        api.POST('/api/v1/posts/{id}/comments', { params: { path: { id } }, body: { text } }),
      );
      comments.setItems((items) => [made, ...items]);
      setText('');
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <>
      <h1>Post</h1>
      {post.state.status === 'loading' && <Skeleton lines={1} label="Loading the post" />}
      {post.state.status === 'failed' && <Failed error={post.state.error} retry={post.reload} />}
      {post.state.status === 'ready' && (
        <>
          <ul class="list">
            <PostCard post={post.state.data} onDeleted={() => route('/')} />
          </ul>
          {me ? (
            <form onSubmit={comment} aria-label="New comment">
              <Field
                label="Your comment"
                name="text"
                multiline
                value={text}
                onInput={(event) => setText(event.currentTarget.value)}
                error={fieldError(error, 'text')}
              />
              <FormError error={error} />
              <button type="submit" disabled={!text.trim()}>
                Comment
              </button>
            </form>
          ) : (
            <p>
              <a href={`/sign-in?next=/posts/${id}`}>Sign in</a> to comment.
            </p>
          )}
          <h2>Comments</h2>
          <PagedList
            list={comments}
            label="Comments"
            empty="No comments yet: be the first."
            render={(item) => (
              <CommentItem
                key={item.id}
                comment={item}
                postId={id}
                postAuthorId={post.state.status === 'ready' ? post.state.data.author.id : 0}
                onChanged={(changed) =>
                  comments.setItems((items) => items.map((c) => (c.id === changed.id ? changed : c)))
                }
                onDeleted={(gone) => comments.setItems((items) => items.filter((c) => c.id !== gone))}
              />
            )}
          />
        </>
      )}
    </>
  );
}
