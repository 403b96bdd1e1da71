// Reading data for a page: one hook for a single reply, one for a cursor-paged list that grows
// as the reader scrolls (the API's {items, next_cursor}).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export type Loaded<T> =
  | { status: 'loading' }
  | { status: 'failed'; error: unknown }
  | { status: 'ready'; data: T };

/** Loads once per change of `deps`; `reload` asks again, `set` changes what is shown (optimistic edits). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setState({ status: 'loading' });
    load().then(
      (data) => current && setState({ status: 'ready', data }),
      (error) => current && setState({ status: 'failed', error }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  const set = useCallback((change: (data: T) => T) => {
    setState((now) => (now.status === 'ready' ? { status: 'ready', data: change(now.data) } : now));
  }, []);
  return { state, reload, set };
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** A list read page by page; `more` fetches the next page (called by the sentinel or a button). */
export function usePaged<T>(fetchPage: (cursor?: string) => Promise<Page<T>>, deps: unknown[]) {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<'loading' | 'ready' | 'failed' | 'more'>('loading');
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  const generation = useRef(0);

  const load = useCallback(async (from: string | undefined, replace: boolean) => {
    const mine = generation.current;
    setStatus(replace ? 'loading' : 'more');
    try {
      const page = await fetchPage(from);
      if (mine !== generation.current) return;
      setItems((old) => (replace ? page.items : [...old, ...page.items]));
      setCursor(page.next_cursor);
      setStatus('ready');
    } catch (failure) {
      if (mine !== generation.current) return;
      setError(failure);
      setStatus('failed');
    }
  }, deps);
  useEffect(() => {
    generation.current++;
    void load(undefined, true);
  }, [load, round]);

  const more = useCallback(() => {
    if (cursor && status === 'ready') void load(cursor, false);
  }, [cursor, status, load]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { items, setItems, hasMore: cursor !== null, status, error, more, reload };
}

/** Calls `onVisible` when the element scrolls into view: the infinite scroll's trigger. */
export function useSentinel(onVisible: () => void) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) onVisible();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [onVisible]);
  return ref;
}
