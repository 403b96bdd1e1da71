// Create an account, then sign in with it; the server's field errors appear under each field.

import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ok } from '../../api/client';
import { signIn } from '../../api/session';
import { Field, FormError, fieldError } from '../../components/field';

export default function SignUp() {
  const { route } = useLocation();
  const [form, setForm] = useState({ name: '', email: '', password: '', birthdate: '', handle: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const edit = (name: keyof typeof form) => (event: { currentTarget: { value: string } }) =>
    setForm((now) => ({ ...now, [name]: event.currentTarget.value }));

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { handle, ...rest } = form;
      await ok(api.POST('/api/v1/accounts', { body: { ...rest, ...(handle.trim() ? { handle } : {}) } }));
      await signIn(form.email, form.password);
      route('/');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Create your account</h1>
      <form onSubmit={submit} noValidate>
        <Field
          label="Name"
          name="name"
          autocomplete="name"
          value={form.name}
          onInput={edit('name')}
          error={fieldError(error, 'name')}
        />
        <Field
          label="Handle (optional)"
          name="handle"
          autocomplete="nickname"
          value={form.handle}
          onInput={edit('handle')}
          hint="Letters, digits and _; made from your name when left empty."
          error={fieldError(error, 'handle')}
        />
        <Field
          label="Email"
          name="email"
          type="email"
          autocomplete="email"
          value={form.email}
          onInput={edit('email')}
          error={fieldError(error, 'email')}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autocomplete="new-password"
          value={form.password}
          onInput={edit('password')}
          hint="At least 10 characters."
          error={fieldError(error, 'password')}
        />
        <Field
          label="Birth date"
          name="birthdate"
          type="date"
          value={form.birthdate}
          onInput={edit('birthdate')}
          error={fieldError(error, 'birthdate')}
        />
        <FormError error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Have an account? <a href="/sign-in">Sign in</a>.
      </p>
    </>
  );
}
