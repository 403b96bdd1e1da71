// Follow / Unfollow, changed at once and put back if the server refuses.
import { useEffect, useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import { useSession } from '../api/session';

export function FollowButton({
  userId,
  name,
  following,
}: {
  userId: number;
  name: string;
  following?: boolean;
}) {
  const { me } = useSession();
  const [on, setOn] = useState(following ?? false);
  const [busy, setBusy] = useState(false);
  useEffect(() => setOn(following ?? false), [following]);
  if (!me || me.id === userId) return null;
  const toggle = async () => {
    const next = !on;
    setOn(next);
    setBusy(true);
    const path = { params: { path: { id: userId } } };
    try {
      await ok(
        next ? api.PUT('/api/v1/users/{id}/follow', path) : api.DELETE('/api/v1/users/{id}/follow', path),
      );
    } catch {
      setOn(!next);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      class={on ? 'secondary' : 'primary'}
      aria-pressed={on}
      aria-label={`${on ? 'Unfollow' : 'Follow'} ${name}`}
      disabled={busy}
      onClick={toggle}
    >
      {on ? 'Following' : 'Follow'}
    </button>
  );
}
