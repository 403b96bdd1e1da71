// A person: their profile with counts, follow / block / mute, and their posts, followers or
// the people they follow (/users/:id, /users/:id/followers, /users/:id/following).

import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api, ok } from '../../api/client';
import { useSession } from '../../api/session';
import type { Profile } from '../../api/types';
import { Avatar, PersonLine } from '../../components/avatar';
import { FollowButton } from '../../components/follow-button';
import { count } from '../../components/format';
import { useLoad, usePaged } from '../../components/load';
import { PagedList } from '../../components/paged-list';
import { PostCard } from '../../components/post-card';
import { Failed, Skeleton } from '../../components/states';

/** Block or mute, switched at once and put back if the server refuses. */
function RuleButton({
  userId,
  rule,
  name,
  active,
}: {
  userId: number;
  rule: 'block' | 'mute';
  name: string;
  active: boolean;
}) {
  const [on, setOn] = useState(active);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setOn(active), [active]);
  const verb = rule === 'block' ? 'Block' : 'Mute';
  const toggle = async () => {
    setError(null);
    const path = { params: { path: { id: userId } } };
    const next = !on;
    setOn(next);
    try {
      if (rule === 'block') {
        await ok(
          next ? api.PUT('/api/v1/users/{id}/block', path) : api.DELETE('/api/v1/users/{id}/block', path),
        );
      } else {
        await ok(
          next ? api.PUT('/api/v1/users/{id}/mute', path) : api.DELETE('/api/v1/users/{id}/mute', path),
        );
      }
    } catch (failure) {
      setOn(!next);
      setError((failure as Error).message);
    }
  };
  return (
    <>
      <button
        type="button"
        aria-pressed={on}
        onClick={toggle}
        aria-label={`${on ? `Un${rule}` : verb} ${name}`}
      >
        {on ? `Un${rule}` : verb}
      </button>
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}

function Header({ profile }: { profile: Profile }) {
  const { me } = useSession();
  const relationship = useLoad(
    () =>
      me && me.id !== profile.id
        ? ok(api.GET('/api/v1/users/{id}/relationship', { params: { path: { id: profile.id } } }))
        : Promise.resolve(null),
    [profile.id, me?.id],
  );
  const rel = relationship.state.status === 'ready' ? relationship.state.data : null;
  return (
    <section class="profile" aria-label="Profile">
      <div class="profile-head">
        <Avatar person={profile} size={72} />
        <div>
          <h1>{profile.name}</h1>
          <p class="handle">
            @{profile.handle}
            {rel?.followed_by ? ' · follows you' : ''}
            {rel?.blocked_by ? ' · has blocked you' : ''}
          </p>
        </div>
      </div>
      {profile.bio && <p class="bio">{profile.bio}</p>}
      <p class="counts">
        <a href={`/users/${profile.id}/following`}>
          <b>{count(profile.counts.following)}</b> following
        </a>
        <a href={`/users/${profile.id}/followers`}>
          <b>{count(profile.counts.followers)}</b> followers
        </a>
        <a href={`/users/${profile.id}`}>
          <b>{count(profile.counts.posts)}</b> posts
        </a>
      </p>
      {me && me.id !== profile.id && (
        <div class="row">
          <FollowButton userId={profile.id} name={profile.name} following={rel?.following} />
          <RuleButton userId={profile.id} rule="mute" name={profile.name} active={rel?.muting ?? false} />
          <RuleButton userId={profile.id} rule="block" name={profile.name} active={rel?.blocking ?? false} />
        </div>
      )}
      {me?.id === profile.id && (
        <p>
          <a href="/settings">Edit profile</a>
        </p>
      )}
    </section>
  );
}

function Posts({ id }: { id: number }) {
  const posts = usePaged(
    (cursor?: string) =>
      ok(api.GET('/api/v1/users/{id}/posts', { params: { path: { id }, query: { limit: 20, cursor } } })),
    [id],
  );
  return (
    <PagedList
      list={posts}
      label="Posts"
      empty="No posts yet."
      render={(post) => (
        <PostCard
          key={post.id}
          post={post}
          onDeleted={(gone) => posts.setItems((items) => items.filter((p) => p.id !== gone))}
        />
      )}
    />
  );
}

function People({ id, list }: { id: number; list: 'followers' | 'following' }) {
  const people = usePaged(
    (cursor?: string) =>
      ok(
        list === 'followers'
          ? api.GET('/api/v1/users/{id}/followers', {
              params: { path: { id }, query: { limit: 30, cursor } },
            })
          : api.GET('/api/v1/users/{id}/following', {
              params: { path: { id }, query: { limit: 30, cursor } },
            }),
      ),
    [id, list],
  );
  return (
    <PagedList
      list={people}
      label={list === 'followers' ? 'Followers' : 'Following'}
      empty={list === 'followers' ? 'No followers yet.' : 'Follows nobody yet.'}
      render={(person) => (
        <li key={person.id} class="card">
          <PersonLine person={person} />
        </li>
      )}
    />
  );
}

export default function ProfilePage() {
  const { params } = useRoute();
  const id = Number(params.id);
  const list = params.list === 'followers' || params.list === 'following' ? params.list : null;
  const profile = useLoad(() => ok(api.GET('/api/v1/users/{id}', { params: { path: { id } } })), [id]);
  if (profile.state.status === 'loading') return <Skeleton lines={2} label="Loading the profile" />;
  if (profile.state.status === 'failed') {
    return (
      <>
        <h1>Profile</h1>
        <Failed error={profile.state.error} retry={profile.reload} />
      </>
    );
  }
  return (
    <>
      <Header profile={profile.state.data} />
      <nav class="tabs" aria-label="Profile lists">
        <a href={`/users/${id}`} aria-current={list === null ? 'page' : undefined}>
          Posts
        </a>
        <a href={`/users/${id}/followers`} aria-current={list === 'followers' ? 'page' : undefined}>
          Followers
        </a>
        <a href={`/users/${id}/following`} aria-current={list === 'following' ? 'page' : undefined}>
          Following
        </a>
      </nav>
      {list ? <People id={id} list={list} /> : <Posts id={id} />}
    </>
  );
}
