// Your account: the profile (name, bio, avatar), the password, signing out here or everywhere,
// and deleting the account.

import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ok } from '../../api/client';
import { forgetSession, signOut, updateMe, useSession } from '../../api/session';
import type { Me } from '../../api/types';
import { Avatar } from '../../components/avatar';
import { Field, FormError, fieldError } from '../../components/field';

function ProfileForm({ me }: { me: Me }) {
  const [name, setName] = useState(me.name);
  const [bio, setBio] = useState(me.bio);
  const [avatar, setAvatar] = useState(me.avatar_url ?? '');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await ok(api.PATCH('/api/v1/me', { body: { name, bio, avatar_url: avatar.trim() || null } }));
      updateMe(await ok(api.GET('/api/v1/me')));
      setSaved(true);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="profile-title">
      <h2 id="profile-title">Profile</h2>
      <div class="row">
        <Avatar person={{ ...me, avatar_url: avatar.trim() || null }} size={56} />
        <span class="handle">@{me.handle}</span>
      </div>
      <Field
        label="Name"
        name="name"
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
        error={fieldError(error, 'name')}
      />
      <Field
        label="Bio"
        name="bio"
        multiline
        value={bio}
        onInput={(e) => setBio(e.currentTarget.value)}
        error={fieldError(error, 'bio')}
      />
      <Field
        label="Avatar URL"
        name="avatar_url"
        type="url"
        value={avatar}
        placeholder="https://…"
        onInput={(e) => setAvatar(e.currentTarget.value)}
        error={fieldError(error, 'avatar_url')}
      />
      <FormError error={error} />
      {saved && (
        <p class="notice ok" role="status">
          Profile saved.
        </p>
      )}
      <button type="submit">Save profile</button>
    </form>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await ok(api.PUT('/api/v1/me/password', { body: { current_password: current, new_password: next } }));
      setCurrent('');
      setNext('');
      setSaved(true);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <Field
        label="Current password"
        name="current_password"
        type="password"
        autocomplete="current-password"
        value={current}
        onInput={(e) => setCurrent(e.currentTarget.value)}
        error={fieldError(error, 'current_password')}
      />
      <Field
        label="New password"
        name="new_password"
        type="password"
        autocomplete="new-password"
        value={next}
        hint="At least 10 characters. Your other sessions end."
        onInput={(e) => setNext(e.currentTarget.value)}
        error={fieldError(error, 'new_password')}
      />
      <FormError error={error} />
      {saved && (
        <p class="notice ok" role="status">
          Password changed; every other session has ended.
        </p>
      )}
      <button type="submit">Change password</button>
    </form>
  );
}

function Sessions() {
  const { route } = useLocation();
  const out = async (everywhere: boolean) => {
    await signOut(everywhere);
    route('/');
  };
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <div class="row">
        <button type="button" onClick={() => out(false)}>
          Sign out
        </button>
        <button type="button" onClick={() => out(true)}>
          Sign out everywhere
        </button>
      </div>
    </section>
  );
}

/** Deleting the account asks for the password; the server refuses while the wallet holds money. */
function DeleteAccount() {
  const { route } = useLocation();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const remove = async (event: Event) => {
    event.preventDefault();
    setError(null);
    if (!confirm('Delete your account, its posts and everything else? This cannot be undone.')) return;
    try {
      await ok(api.DELETE('/api/v1/me', { body: { password } }));
      forgetSession();
      route('/');
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form onSubmit={remove} aria-labelledby="delete-title">
      <h2 id="delete-title">Delete account</h2>
      <p class="hint">
        Your profile, posts, comments, likes and follows are erased; orders and payments are kept, showing a
        deleted account. Empty your wallet first.
      </p>
      <Field
        label="Your password, to confirm"
        name="delete_password"
        type="password"
        autocomplete="current-password"
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
        error={fieldError(error, 'password')}
      />
      <FormError error={error} />
      <button type="submit" class="danger" disabled={!password}>
        Delete my account
      </button>
    </form>
  );
}

export default function Settings() {
  const { me } = useSession();
  if (!me) {
    return (
      <>
        <h1>Settings</h1>
        <p>
          <a href="/sign-in?next=/settings">Sign in</a> to change your account.
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Settings</h1>
      <ProfileForm me={me} />
      <PasswordForm />
      <Sessions />
      <DeleteAccount />
    </>
  );
}
