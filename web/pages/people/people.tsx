// People: search as you type (by handle or name), and whom to follow with why.

import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ok } from '../../api/client';
import { useSession } from '../../api/session';
import type { ProfileSummary } from '../../api/types';
import { Suggestions } from '../../components/aside';
import { PersonLine } from '../../components/avatar';
import { FollowButton } from '../../components/follow-button';
import { Empty, Failed } from '../../components/states';

const TYPING_PAUSE_MS = 200;

export default function People() {
  const { query } = useLocation();
  const { me } = useSession();
  const [q, setQ] = useState(query.q ?? '');
  const [results, setResults] = useState<ProfileSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const text = q.trim();
    if (!text) {
      setResults(null);
      return;
    }
    let current = true;
    // Asked when typing pauses, not at every key.
    const timer = setTimeout(async () => {
      try {
        const page = await ok(api.GET('/api/v1/users', { params: { query: { q: text, limit: 20 } } }));
        if (current) {
          setResults(page.items);
          setError(null);
        }
      } catch (failure) {
        if (current) setError(failure);
      }
    }, TYPING_PAUSE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [q]);

  return (
    <>
      <h1>People</h1>
      <search>
        <label for="people-search" class="visually-hidden">
          Search people by name or handle
        </label>
        <input
          id="people-search"
          type="search"
          placeholder="Search people by name or handle"
          value={q}
          autocomplete="off"
          onInput={(event) => setQ(event.currentTarget.value)}
        />
      </search>
      {error ? <Failed error={error} /> : null}
      {results !== null && (
        <section aria-label="Search results" aria-live="polite">
          {results.length === 0 ? (
            <Empty title={`Nobody matches “${q.trim()}”`} />
          ) : (
            <ul class="list" aria-label="People found">
              {results.map((person) => (
                <li key={person.id} class="card">
                  <PersonLine person={person}>
                    <FollowButton userId={person.id} name={person.name} />
                  </PersonLine>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {me ? (
        <section aria-labelledby="suggested">
          <h2 id="suggested">Who to follow</h2>
          <Suggestions limit={15} />
        </section>
      ) : (
        <p>
          <a href="/sign-in?next=/people">Sign in</a> to see whom to follow.
        </p>
      )}
    </>
  );
}
