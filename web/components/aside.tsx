// The right column on wide screens: people search and whom to follow, with why.
import { useLocation } from 'preact-iso';
import { api, ok } from '../api/client';
import { useSession } from '../api/session';
import { PersonLine } from './avatar';
import { FollowButton } from './follow-button';
import { useLoad } from './load';

export function strengthReason(strength: number) {
  if (strength === 0) return 'Popular with newcomers';
  return `Followed by ${strength} ${strength === 1 ? 'person' : 'people'} you follow`;
}

export function Suggestions({ limit = 5 }: { limit?: number }) {
  const { state } = useLoad(
    () => ok(api.GET('/api/v1/me/suggestions', { params: { query: { limit } } })),
    [limit],
  );
  if (state.status !== 'ready' || state.data.items.length === 0) return null;
  return (
    <ul class="list compact" aria-label="Suggested people">
      {state.data.items.map(({ user, strength }) => (
        <li key={user.id} class="card">
          <PersonLine person={user}>
            <FollowButton userId={user.id} name={user.name} />
          </PersonLine>
          <p class="hint">{strengthReason(strength)}</p>
        </li>
      ))}
    </ul>
  );
}

export function Aside() {
  const { me } = useSession();
  const { route, path } = useLocation();
  if (path === '/people') return <aside class="right" aria-label="More" />;
  return (
    <aside class="right" aria-label="More">
      <search>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const q = new FormData(event.currentTarget).get('q');
            route(`/people?q=${encodeURIComponent(String(q ?? ''))}`);
          }}
        >
          <label for="aside-search" class="visually-hidden">
            Search people
          </label>
          <input id="aside-search" name="q" type="search" placeholder="Search people" autocomplete="off" />
        </form>
      </search>
      {me && (
        <section aria-labelledby="who-to-follow">
          <h2 id="who-to-follow">Who to follow</h2>
          <Suggestions />
        </section>
      )}
      <p class="hint">
        <a href="/architecture">How this platform stores your data</a> · <a href="/docs">API</a>
      </p>
    </aside>
  );
}
