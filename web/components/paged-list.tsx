// A cursor-paged list as every page shows one: skeleton first, its empty state, an error with
// a retry, and more items as the reader nears the end (or presses "Show more").
import type { ComponentChildren } from 'preact';
import { type usePaged, useSentinel } from './load';
import { Empty, Failed, Skeleton } from './states';

export function PagedList<T>({
  list,
  render,
  empty,
  label,
}: {
  list: ReturnType<typeof usePaged<T>>;
  render: (item: T) => ComponentChildren;
  empty: ComponentChildren;
  label: string;
}) {
  const sentinel = useSentinel(list.more);
  if (list.status === 'loading') return <Skeleton label={`Loading ${label}`} />;
  if (list.status === 'failed' && list.items.length === 0)
    return <Failed error={list.error} retry={list.reload} />;
  if (list.items.length === 0)
    return typeof empty === 'string' ? <Empty title={empty} /> : <div>{empty}</div>;
  return (
    <>
      <ul class="list" aria-label={label}>
        {list.items.map((item) => render(item))}
      </ul>
      {list.status === 'failed' && <Failed error={list.error} retry={list.more} />}
      {list.hasMore && (
        <div ref={sentinel} class="more">
          <button type="button" onClick={list.more} disabled={list.status === 'more'}>
            {list.status === 'more' ? 'Loading…' : 'Show more'}
          </button>
        </div>
      )}
    </>
  );
}
