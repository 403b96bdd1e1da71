// Trending: the most viewed posts of the last hour or day (the analytics role ranks them).
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { useLoad } from '../../components/load';
import { PostCard } from '../../components/post-card';
import { Empty, Failed, Skeleton } from '../../components/states';

const WINDOWS = [
  { hours: 1, label: 'Last hour' },
  { hours: 24, label: 'Last day' },
];

export default function Trending({ embedded = false }: { embedded?: boolean }) {
  const [hours, setHours] = useState(24);
  const { state, reload } = useLoad(
    () => ok(api.GET('/api/v1/trending', { params: { query: { hours, limit: 20 } } })),
    [hours],
  );
  const Heading = embedded ? 'h2' : 'h1';
  return (
    <section aria-labelledby="trending-title">
      <Heading id="trending-title">Trending</Heading>
      <div class="tabs" role="tablist" aria-label="Window">
        {WINDOWS.map((window) => (
          <button
            key={window.hours}
            type="button"
            role="tab"
            aria-selected={hours === window.hours}
            onClick={() => setHours(window.hours)}
          >
            {window.label}
          </button>
        ))}
      </div>
      {state.status === 'loading' && <Skeleton label="Loading trending posts" />}
      {state.status === 'failed' && <Failed error={state.error} retry={reload} />}
      {state.status === 'ready' &&
        (state.data.items.length === 0 ? (
          <Empty title="Nothing viewed in this window yet">
            <p>Posts people open are counted here within seconds.</p>
          </Empty>
        ) : (
          <ul class="list" aria-label="Trending posts">
            {state.data.items.map((post) => (
              <PostCard key={post.id} post={post} />
            ))}
          </ul>
        ))}
    </section>
  );
}
