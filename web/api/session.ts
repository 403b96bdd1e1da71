// Who is signed in: the bearer token kept in localStorage (so a session survives a reload),
// the account read from GET /me, and the device token of each email's last log-in (which
// exempts this device from that email's failed-log-in lockout).
import { useEffect, useState } from 'preact/hooks';
import { api, ok, setToken } from './client';
import type { Me } from './types';

const TOKEN_KEY = 'polyglot.token';
const DEVICE_KEY = 'polyglot.devices';

export interface SessionState {
  /** Still reading /me for a token kept from an earlier visit. */
  loading: boolean;
  me: Me | null;
}

let state: SessionState = { loading: false, me: null };
const listeners = new Set<(next: SessionState) => void>();

function set(next: SessionState) {
  state = next;
  for (const listener of listeners) listener(state);
}

function forget() {
  localStorage.removeItem(TOKEN_KEY);
  setToken(null, forget);
  set({ loading: false, me: null });
}

function devices(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(DEVICE_KEY) ?? '{}');
  } catch {
    return {};
  }
}

async function adopt(token: string) {
  setToken(token, forget);
  try {
    set({ loading: false, me: await ok(api.GET('/api/v1/me')) });
    localStorage.setItem(TOKEN_KEY, token);
  } catch (error) {
    forget();
    throw error;
  }
}

/** Called once at start: takes up the session an earlier visit left. */
export function restoreSession() {
  const token = localStorage.getItem(TOKEN_KEY);
  if (!token) return;
  set({ loading: true, me: null });
  adopt(token).catch(() => {});
}

export async function signIn(email: string, password: string) {
  const known = devices()[email.trim().toLowerCase()];
  const session = await ok(
    api.POST('/api/v1/sessions', { body: { email, password, ...(known ? { device_token: known } : {}) } }),
  );
  localStorage.setItem(
    DEVICE_KEY,
    JSON.stringify({ ...devices(), [email.trim().toLowerCase()]: session.device_token }),
  );
  await adopt(session.token);
}

export async function signOut(everywhere = false) {
  await ok(everywhere ? api.DELETE('/api/v1/sessions') : api.DELETE('/api/v1/sessions/current')).catch(
    () => {},
  );
  forget();
}

/** After the account changed (profile edit): the new /me for everyone who shows it. */
export function updateMe(me: Me) {
  set({ ...state, me });
}

/** Forgets the session here only (the server already ended it, e.g. the account was deleted). */
export const forgetSession = forget;

export function useSession(): SessionState {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    listeners.add(setCurrent);
    setCurrent(state);
    return () => {
      listeners.delete(setCurrent);
    };
  }, []);
  return current;
}
