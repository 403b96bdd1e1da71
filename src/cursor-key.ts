// The key that signs list cursors: CURSOR_SECRET when configured; otherwise one generated
// once and kept in the accounts' database, so that every API process sharing that database
// signs alike and cursors survive a restart. The first process to start stores its random
// key; the others (racing or later) keep the stored one (ON CONFLICT DO NOTHING, then SELECT).
import { randomBytes } from 'node:crypto';
import { CursorCodec } from './pagination.ts';

/** The one statement the key needs from the accounts' database (any SQL client of ours fits). */
interface SecretsDatabase {
  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

async function storedKey(db: SecretsDatabase): Promise<Buffer> {
  await db.query(
    `INSERT INTO server_secrets (name, secret) VALUES ('cursor', $1) ON CONFLICT (name) DO NOTHING`,
    [randomBytes(32).toString('base64url')],
  );
  const [row] = await db.query<{ secret: string }>(`SELECT secret FROM server_secrets WHERE name = 'cursor'`);
  if (!row) throw new Error('the cursor key was not stored');
  return Buffer.from(row.secret, 'base64url');
}

export async function openCursorCodec(secret: string | undefined, db: SecretsDatabase): Promise<CursorCodec> {
  return new CursorCodec(secret === undefined ? await storedKey(db) : Buffer.from(secret, 'utf8'));
}
