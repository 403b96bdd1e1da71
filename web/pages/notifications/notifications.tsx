// Notifications: who followed, liked, commented or reposted, newest first; opening the page
// marks everything up to the newest as read, and the badge goes.
import { useEffect } from 'preact/hooks';
import { request } from '../../api/client';
import type { Notification, NotificationPage } from '../../api/pending';
import { useSession } from '../../api/session';
import { PersonLine } from '../../components/avatar';
import { ago } from '../../components/format';
import { usePaged } from '../../components/load';
import { PagedList } from '../../components/paged-list';
import { setUnread } from '../../components/unread';

const WHAT: Record<string, string> = {
  follow: 'followed you',
  like: 'liked your post',
  comment: 'commented on your post',
  repost: 'reposted your post',
  mention: 'mentioned you',
};

function NotificationItem({ item }: { item: Notification }) {
  return (
    <li class={`card notification${item.read ? '' : ' unread'}`}>
      <PersonLine person={item.actor}>
        <time class="time" dateTime={item.created_at}>
          {ago(item.created_at)}
        </time>
      </PersonLine>
      <p>
        {item.read ? '' : <span class="visually-hidden">New: </span>}
        {item.actor.name} {WHAT[item.kind] ?? item.kind}
        {item.post && (
          <>
            {': '}
            <a href={`/posts/${item.post.id}`}>{item.post.excerpt || 'the post'}</a>
          </>
        )}
      </p>
    </li>
  );
}

export default function Notifications() {
  const { me } = useSession();
  const list = usePaged(
    (cursor?: string) =>
      request<NotificationPage>(
        'GET',
        `/api/v1/notifications?limit=30${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      ),
    [me?.id],
  );
  const newest = list.items[0];
  useEffect(() => {
    if (!newest || newest.read) return;
    request('POST', '/api/v1/notifications/read', { up_to_id: newest.id }).then(
      () => setUnread(0),
      () => {},
    );
  }, [newest]);
  if (!me) {
    return (
      <>
        <h1>Notifications</h1>
        <p>
          <a href="/sign-in?next=/notifications">Sign in</a> to see yours.
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Notifications</h1>
      <PagedList
        list={list}
        label="Notifications"
        empty="Nothing yet: when people follow you or answer your posts, it shows here."
        render={(item) => <NotificationItem key={item.id} item={item} />}
      />
    </>
  );
}
