// The unread notifications count behind the badge: asked when the page loads and every
// 30 seconds while signed in; the notifications page sets it to 0 when it marks them read.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, request } from '../api/client';

const POLL_MS = 30_000;
let unread = 0;
const listeners = new Set<(n: number) => void>();

export function setUnread(n: number) {
  unread = n;
  for (const listener of listeners) listener(n);
}

export function useUnread(signedIn: boolean): number {
  const [count, setCount] = useState(unread);
  useEffect(() => {
    listeners.add(setCount);
    if (!signedIn) {
      setUnread(0);
      return () => listeners.delete(setCount);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async () => {
      try {
        setUnread((await request<{ count: number }>('GET', '/api/v1/notifications/unread_count')).count);
      } catch (error) {
        // A server without notifications answers 404: no badge, and no more asking.
        if (error instanceof ApiError && error.status === 404) return;
      }
      timer = setTimeout(ask, POLL_MS);
    };
    void ask();
    return () => {
      listeners.delete(setCount);
      clearTimeout(timer);
    };
  }, [signedIn]);
  return count;
}
