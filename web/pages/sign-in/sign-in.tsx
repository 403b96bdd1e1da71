// Sign in, with the demo log-ins offered when the server runs in demo mode.

import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ok } from '../../api/client';
import { signIn } from '../../api/session';
import { Field, FormError, fieldError } from '../../components/field';
import { useLoad } from '../../components/load';

export default function SignIn() {
  const { route, query } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const demo = useLoad(() => ok(api.GET('/api/v1/demo')), []);

  const go = async (asEmail: string, asPassword: string) => {
    setBusy(true);
    setError(null);
    try {
      await signIn(asEmail, asPassword);
      route(query.next?.startsWith('/') ? query.next : '/');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Sign in</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void go(email, password);
        }}
      >
        <Field
          label="Email"
          name="email"
          type="email"
          autocomplete="username"
          required
          value={email}
          onInput={(event) => setEmail(event.currentTarget.value)}
          error={fieldError(error, 'email')}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
          error={fieldError(error, 'password')}
        />
        <FormError error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        New here? <a href="/sign-up">Create an account</a>.
      </p>
      {demo.state.status === 'ready' && demo.state.data.demo_mode && demo.state.data.log_ins.length > 0 && (
        <section aria-labelledby="demo-log-ins">
          <h2 id="demo-log-ins">Demo log-ins</h2>
          <p class="hint">This server runs in demo mode: try the platform as one of the demo people.</p>
          <ul class="list compact">
            {demo.state.data.log_ins.map((logIn) => (
              <li key={logIn.email} class="card row">
                <span>
                  <b>@{logIn.handle}</b>{' '}
                  {logIn.role === 'operator' ? '(operator: sees platform metrics)' : ''}
                  <br />
                  <span class="hint">
                    {logIn.email} · {logIn.password}
                  </span>
                </span>
                <button
                  type="button"
                  disabled={busy}
                  aria-label={`Sign in as @${logIn.handle}`}
                  onClick={() => go(logIn.email, logIn.password)}
                >
                  Sign in as @{logIn.handle}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
