// Stored data as seen through the API, for tests that say "changes nothing". The test
// app keeps its database handle to itself (and PGlite allows one handle per data folder),
// so a snapshot is the answers of a list of reads (GET /me as each user, their public
// profiles, their follow lists...). Two snapshots are equal exactly when nothing those
// reads show has changed.
import type { FastifyInstance } from 'fastify';
import { auth } from './api.ts';

export interface Reader {
  /** A GET url under the app. */
  url: string;
  /** Read as this session, if any. */
  token?: string;
  /** Who the session belongs to, for the key (tokens change when a session is renewed). */
  as?: string;
  /** Record only the status (e.g. "this id is still free"). */
  statusOnly?: boolean;
}

export interface Observation {
  status: number;
  body: unknown;
}

export type ApiSnapshot = Record<string, Observation>;

const keyOf = (reader: Reader) => `GET ${reader.url}${reader.as ? ` as ${reader.as}` : ''}`;

/** The answers of `readers`, keyed by url (and session), skipping the keys in `ignore`. */
export async function readThroughApi(
  app: FastifyInstance,
  readers: readonly Reader[],
  ignore: ReadonlySet<string> = new Set(),
): Promise<ApiSnapshot> {
  const wanted = readers.filter((reader) => !ignore.has(keyOf(reader)));
  const observations = await Promise.all(
    wanted.map(async (reader): Promise<[string, Observation]> => {
      const response = await app.inject({
        method: 'GET',
        url: reader.url,
        headers: reader.token ? auth(reader.token) : {},
      });
      let body: unknown = null;
      if (!reader.statusOnly) {
        try {
          body = JSON.parse(response.body) as unknown;
        } catch {
          body = response.body;
        }
      }
      return [keyOf(reader), { status: response.statusCode, body }];
    }),
  );
  return Object.fromEntries(observations);
}

/** The keys whose answers differ between two snapshots taken back to back: not stable enough to compare. */
export function unstableKeys(first: ApiSnapshot, second: ApiSnapshot): Set<string> {
  const keys = new Set([...Object.keys(first), ...Object.keys(second)]);
  return new Set([...keys].filter((key) => JSON.stringify(first[key]) !== JSON.stringify(second[key])));
}

/** The status of a log-in: 201 when the email and password are right. It creates a session. */
export async function logInStatus(
  app: FastifyInstance,
  email: string,
  password: string,
): Promise<{ status: number; token?: string }> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    payload: { email, password },
  });
  return {
    status: response.statusCode,
    token: response.statusCode === 201 ? (response.json().token as string) : undefined,
  };
}

/** The people a search finds whose handle or name contains `marker` (the search also ranks look-alikes). */
export async function peopleMarked(app: FastifyInstance, marker: string): Promise<unknown[]> {
  const response = await app.inject({
    method: 'GET',
    url: `/api/v1/users?q=${encodeURIComponent(marker)}&limit=100`,
  });
  if (response.statusCode !== 200) throw new Error(`search failed: ${response.statusCode} ${response.body}`);
  const items = response.json().items as { handle: string; name: string }[];
  return items.filter((item) => item.handle.includes(marker) || item.name.toLowerCase().includes(marker));
}
