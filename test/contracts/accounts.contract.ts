// The accounts port's contract: every adapter must pass it, on every engine it serves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountsPort, NewAccount } from '../../src/accounts/accounts.port.ts';
import { hashPassword } from '../../src/accounts/passwords.ts';

export interface AccountsHarness {
  accounts: AccountsPort;
  /** Puts play money into a user's wallet (commerce shares the accounts' database). */
  fund(userId: number, cents: number): Promise<void>;
  /** The follow-up work stored in the accounts' outbox, oldest first. */
  reactions(): Promise<Array<{ kind: string; payload: unknown }>>;
  close(): Promise<void>;
}

let n = 0;

export function accountsContract(name: string, open: () => Promise<AccountsHarness>, skipReason?: string) {
  describe.skipIf(skipReason !== undefined)(
    `accounts contract on ${name}${skipReason ? ` [SKIPPED: ${skipReason}]` : ''}`,
    () => {
      let accounts: AccountsPort;
      let harness: AccountsHarness;
      let passwordHash: string;

      const newAccount = (overrides: Partial<NewAccount> = {}): NewAccount => {
        n++;
        return {
          email: `person${n}_${Date.now()}@example.com`,
          passwordHash,
          name: `Person ${n}`,
          birthdate: '1985-03-04',
          handleCandidates: [`person_${n}_${Date.now() % 100000}`],
          ...overrides,
        };
      };

      const create = async (overrides: Partial<NewAccount> = {}) => {
        const result = await accounts.createAccount(newAccount(overrides));
        if (!result.ok) throw new Error(`expected an account, got ${result.taken} taken`);
        return result.account;
      };

      beforeAll(async () => {
        harness = await open();
        accounts = harness.accounts;
        passwordHash = await hashPassword('a long enough password');
      });
      afterAll(() => harness?.close());

      it('creates an account and reads it back, without the password hash', async () => {
        const input = newAccount({ name: 'Ada Lovelace', handleCandidates: ['ada_contract'] });
        const result = await accounts.createAccount(input);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.account).toEqual({
          id: expect.any(Number),
          handle: 'ada_contract',
          email: input.email,
          name: 'Ada Lovelace',
          bio: '',
          avatar_url: null,
          birthdate: '1985-03-04',
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        });
        expect(await accounts.findAccount(result.account.id)).toEqual(result.account);
        expect(JSON.stringify(result.account)).not.toContain('argon2');
      });

      it('refuses an email taken in any letter case, and leaves no row', async () => {
        const first = await create({ email: `Grace${n}@Example.com` });
        const again = await accounts.createAccount(
          newAccount({ email: first.email.toLowerCase(), handleCandidates: ['grace_second'] }),
        );
        expect(again).toEqual({ ok: false, taken: 'email' });
        expect((await accounts.searchPeople('grace_second', 5)).length).toBe(0);
      });

      it('takes the first free handle, and creates neither row when none is free', async () => {
        const taken = await create({ handleCandidates: ['hopper'] });
        const second = await create({ handleCandidates: ['hopper', 'hopper_2'] });
        expect([taken.handle, second.handle]).toEqual(['hopper', 'hopper_2']);
        const email = `nohandle${Date.now()}@example.com`;
        expect(await accounts.createAccount(newAccount({ email, handleCandidates: ['hopper'] }))).toEqual({
          ok: false,
          taken: 'handle',
        });
        // User and profile are one transaction: the user row was rolled back too.
        expect(await accounts.findCredentials(email)).toBeNull();
      });

      it('gives exactly one account to concurrent sign-ups with one email', async () => {
        const email = `race${Date.now()}@example.com`;
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            accounts.createAccount(
              newAccount({
                email: i % 2 ? email : email.toUpperCase(),
                handleCandidates: [`race_${i}_${n}`],
              }),
            ),
          ),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok && r.taken === 'email')).toHaveLength(19);
      });

      it('finds credentials case-insensitively', async () => {
        const account = await create({ email: `Mixed${n}@Example.COM` });
        const credentials = await accounts.findCredentials(account.email.toLowerCase());
        expect(credentials).toEqual({ userId: account.id, passwordHash });
        expect(await accounts.findCredentials('nobody@example.com')).toBeNull();
      });

      it('shows a public profile without email or birthdate, with counts', async () => {
        const account = await create();
        const profile = await accounts.publicProfile(account.id);
        expect(profile).toEqual({
          id: account.id,
          handle: account.handle,
          name: account.name,
          bio: '',
          avatar_url: null,
          created_at: account.created_at,
          counts: { followers: 0, following: 0, posts: 0 },
        });
        expect(await accounts.publicProfile(999_999_999)).toBeNull();
      });

      it('updates only the fields given, and clears the avatar with null', async () => {
        const account = await create();
        const named = await accounts.updateProfile(account.id, {
          name: 'New Name',
          avatar_url: 'https://example.com/a.png',
        });
        expect(named).toMatchObject({ name: 'New Name', bio: '', avatar_url: 'https://example.com/a.png' });
        const bio = await accounts.updateProfile(account.id, { bio: 'Hello' });
        expect(bio).toMatchObject({
          name: 'New Name',
          bio: 'Hello',
          avatar_url: 'https://example.com/a.png',
        });
        const cleared = await accounts.updateProfile(account.id, { avatar_url: null });
        expect(cleared).toMatchObject({ name: 'New Name', bio: 'Hello', avatar_url: null });
        expect(await accounts.updateProfile(999_999_999, { name: 'x' })).toBeNull();
      });

      it('changes a password hash', async () => {
        const account = await create();
        const next = await hashPassword('another long password');
        await accounts.changePasswordHash(account.id, next);
        expect((await accounts.findCredentials(account.email))?.passwordHash).toBe(next);
      });

      it('finds people by handle or name prefix, best matches first, and treats LIKE wildcards literally', async () => {
        const stamp = Date.now() % 100000;
        const exact = await create({ name: `Zyx Quorra ${stamp}`, handleCandidates: [`zyxq_${stamp}`] });
        const byName = await create({ name: `Marie Zyxquorra ${stamp}`, handleCandidates: [`mz_${stamp}`] });
        const found = await accounts.searchPeople('zyxq', 10);
        expect(found.map((p) => p.id)).toEqual(expect.arrayContaining([exact.id, byName.id]));
        expect(found[0]).toEqual({ id: exact.id, handle: exact.handle, name: exact.name, avatar_url: null });
        expect(await accounts.searchPeople('%', 10)).toEqual([]);
        expect((await accounts.searchPeople('zyxq', 1)).length).toBe(1);
      });

      it('finds a similar handle despite a typo', async () => {
        const stamp = Date.now() % 100000;
        const account = await create({ handleCandidates: [`lovelace_${stamp}`] });
        const found = await accounts.searchPeople(`lovlace_${stamp}`, 10);
        expect(found.map((p) => p.id)).toContain(account.id);
      });

      it('gives profile summaries in one call, and moves follow counters by exactly one edge', async () => {
        const [a, b] = [await create(), await create()];
        const found = await accounts.summaries([b.id, a.id, 999_999_999]);
        expect(found.sort((x, y) => x.id - y.id)).toEqual(
          [a, b].map(({ id, handle, name, avatar_url }) => ({ id, handle, name, avatar_url })),
        );
        expect(await accounts.summaries([])).toEqual([]);
        const byHandle = await accounts.summariesByHandle([a.handle, b.handle, 'nobody_has_this_handle']);
        expect(byHandle.sort((x, y) => x.id - y.id)).toEqual(found);
        expect(await accounts.summariesByHandle([])).toEqual([]);
        await Promise.all([
          accounts.adjustFollowCounts(a.id, b.id, 1),
          accounts.adjustFollowCounts(b.id, a.id, 1),
        ]);
        await accounts.adjustFollowCounts(a.id, b.id, -1);
        expect((await accounts.publicProfile(a.id))?.counts).toEqual({
          followers: 1,
          following: 0,
          posts: 0,
        });
        expect((await accounts.publicProfile(b.id))?.counts).toEqual({
          followers: 0,
          following: 1,
          posts: 0,
        });
      });

      describe('sessions of record', () => {
        const hash = (i: number) => `${i.toString(16).padStart(8, '0')}${'a'.repeat(56)}`;

        it('creates, finds, extends and ends a session', async () => {
          const account = await create();
          const expires = new Date(Date.now() + 3600_000);
          const absolute = new Date(Date.now() + 86400_000);
          await accounts.createSession(account.id, hash(1000 + n), expires, absolute);
          expect(await accounts.findSession(hash(1000 + n))).toEqual({
            userId: account.id,
            expiresAt: expires,
            absoluteExpiresAt: absolute,
          });
          const later = new Date(expires.getTime() + 600_000);
          await accounts.extendSession(hash(1000 + n), later);
          expect((await accounts.findSession(hash(1000 + n)))?.expiresAt).toEqual(later);
          // Never past the absolute expiry, however far it is asked to move.
          await accounts.extendSession(hash(1000 + n), new Date(absolute.getTime() + 3600_000));
          expect((await accounts.findSession(hash(1000 + n)))?.expiresAt).toEqual(absolute);
          await accounts.endSession(hash(1000 + n));
          expect(await accounts.findSession(hash(1000 + n))).toBeNull();
        });

        it('does not find an expired session', async () => {
          const account = await create();
          const soon = new Date(Date.now() + 50);
          await accounts.createSession(account.id, hash(2000 + n), soon, soon);
          await new Promise((resolve) => setTimeout(resolve, 120));
          expect(await accounts.findSession(hash(2000 + n))).toBeNull();
        });

        it("ends every session of a user but the one kept, and no one else's", async () => {
          const [a, b] = [await create(), await create()];
          const expires = new Date(Date.now() + 3600_000);
          const base = 3000 + n * 10;
          await accounts.createSession(a.id, hash(base), expires, expires);
          await accounts.createSession(a.id, hash(base + 1), expires, expires);
          await accounts.createSession(a.id, hash(base + 2), expires, expires);
          await accounts.createSession(b.id, hash(base + 3), expires, expires);
          const ended = await accounts.endSessions(a.id, hash(base));
          expect(ended.sort()).toEqual([hash(base + 1), hash(base + 2)].sort());
          expect(await accounts.findSession(hash(base))).not.toBeNull();
          expect(await accounts.findSession(hash(base + 3))).not.toBeNull();
          expect(await accounts.endSessions(a.id)).toEqual([hash(base)]);
        });

        it('tells which users had a session live since a time, each once, in one call', async () => {
          const [untilSoon, untilLater, without] = [await create(), await create(), await create()];
          const hours = (count: number) => new Date(Date.now() + count * 3600_000);
          const base = 0x4000000 + n * 10;
          await accounts.createSession(untilSoon.id, hash(base), hours(1), hours(1));
          await accounts.createSession(untilLater.id, hash(base + 1), hours(3), hours(3));
          await accounts.createSession(untilLater.id, hash(base + 2), hours(3), hours(3));
          const users = [untilSoon.id, untilLater.id, without.id];
          expect((await accounts.activeUsers(users, new Date())).sort()).toEqual(
            [untilSoon.id, untilLater.id].sort(),
          );
          expect(await accounts.activeUsers(users, hours(2))).toEqual([untilLater.id]);
          expect(await accounts.activeUsers([], new Date())).toEqual([]);
        });
      });

      describe('device tokens', () => {
        const hash = (i: number) => `${i.toString(16).padStart(8, '0')}${'d'.repeat(56)}`;

        it('stores a device token for its user and finds it until it expires', async () => {
          const account = await create();
          const expires = new Date(Date.now() + 365 * 86400_000);
          await accounts.createDeviceToken(account.id, hash(4000 + n), expires, 20);
          expect(await accounts.findDeviceToken(hash(4000 + n))).toEqual({
            userId: account.id,
            expiresAt: expires,
          });
          expect(await accounts.findDeviceToken(hash(4999 + n))).toBeNull();
          await accounts.createDeviceToken(account.id, hash(5000 + n), new Date(Date.now() + 50), 20);
          await new Promise((resolve) => setTimeout(resolve, 120));
          expect(await accounts.findDeviceToken(hash(5000 + n))).toBeNull();
        });

        it('keeps the newest tokens of a user up to the bound, and forgets them all on request', async () => {
          const [account, other] = [await create(), await create()];
          const expires = new Date(Date.now() + 86400_000);
          await accounts.createDeviceToken(other.id, hash(6000 + n), expires, 3);
          for (let i = 0; i < 5; i++)
            await accounts.createDeviceToken(account.id, hash(7000 + n + i), expires, 3);
          const kept = [];
          for (let i = 0; i < 5; i++)
            kept.push((await accounts.findDeviceToken(hash(7000 + n + i))) !== null);
          // At most three, the newest among them (the one just made always stays).
          expect(kept.filter(Boolean)).toHaveLength(3);
          expect(kept[4]).toBe(true);
          await accounts.endDeviceTokens(account.id);
          for (let i = 0; i < 5; i++) expect(await accounts.findDeviceToken(hash(7000 + n + i))).toBeNull();
          // Another user's tokens are not touched.
          expect(await accounts.findDeviceToken(hash(6000 + n))).not.toBeNull();
        });
      });

      it('finds credentials by the normalised email: NFKC and case folding, not the database locale', async () => {
        const account = await create({ email: `strasse${n}_${Date.now()}@example.com` });
        const folded = account.email.replace('strasse', 'STRAßE').replace('example', 'ｅｘａｍｐｌｅ');
        expect((await accounts.findCredentials(folded))?.userId).toBe(account.id);
        // A dotted capital I folds to "i" + a combining dot: another address, not this one.
        expect(await accounts.findCredentials(account.email.replace('s', 'İ'))).toBeNull();
      });

      it('refuses invisible and direction-changing characters in a name, in the database too', async () => {
        const account = await create();
        const invisible = ['Ad\u200Bmin', 'Ada \u202Eecalevol', 'Ada \u2066x\u2069', 'Ada\uFEFF'];
        // Those that print as nothing too: soft hyphen, invisible operator, Hangul filler, a tag character.
        invisible.push('Ad\u00ADmin', 'Ad\u2062min', '\u3164', 'Ada\u{E0041}');
        for (const name of invisible) {
          await expect(accounts.updateProfile(account.id, { name }), name).rejects.toThrow();
        }
        expect((await accounts.findAccount(account.id))?.name).toBe(account.name);
      });

      describe('deleting an account', () => {
        const future = (days: number) => new Date(Date.now() + days * 86_400_000);
        const tokenHash = (i: number) => i.toString(16).padStart(64, 'a');

        it('leaves a tombstone: no log-in, no profile, no session, and the email and handle free at once', async () => {
          const account = await create();
          await accounts.createSession(account.id, tokenHash(9100 + n), future(1), future(30));
          await accounts.createDeviceToken(account.id, tokenHash(9200 + n), future(365), 20);
          const before = (await harness.reactions()).length;

          const result = await accounts.deleteAccount(account.id, (ended) => [
            { kind: 'account.deleted', payload: { user_id: account.id, sessions: [...ended] } },
          ]);
          expect(result).toEqual({ ok: true, endedSessions: [tokenHash(9100 + n)] });
          expect(await accounts.findCredentials(account.email)).toBeNull();
          expect(await accounts.findAccount(account.id)).toBeNull();
          expect(await accounts.publicProfile(account.id)).toBeNull();
          expect(await accounts.summaries([account.id])).toEqual([]);
          expect(await accounts.findSession(tokenHash(9100 + n))).toBeNull();
          expect(await accounts.findDeviceToken(tokenHash(9200 + n))).toBeNull();
          // The erasure of everything else was stored with it.
          const stored = (await harness.reactions()).slice(before);
          expect(stored).toEqual([
            { kind: 'account.deleted', payload: { user_id: account.id, sessions: [tokenHash(9100 + n)] } },
          ]);

          const again = await accounts.createAccount(
            newAccount({ email: account.email.toUpperCase(), handleCandidates: [account.handle] }),
          );
          expect(again.ok && again.account.id !== account.id && again.account.handle === account.handle).toBe(
            true,
          );
          // A second deletion finds nothing to delete and stores nothing.
          expect(await accounts.deleteAccount(account.id, () => [{ kind: 'x', payload: {} }])).toEqual({
            ok: false,
            reason: 'no_account',
          });
          expect((await harness.reactions()).length).toBe(before + 1);
        });

        it('is refused while the wallet holds money, changing nothing', async () => {
          const account = await create();
          await harness.fund(account.id, 250);
          const before = (await harness.reactions()).length;
          const result = await accounts.deleteAccount(account.id, () => [
            { kind: 'account.deleted', payload: {} },
          ]);
          expect(result).toEqual({ ok: false, reason: 'balance', balanceCents: 250 });
          expect(await accounts.findAccount(account.id)).toEqual(account);
          expect(await accounts.findCredentials(account.email)).not.toBeNull();
          expect((await harness.reactions()).length).toBe(before);
        });
      });

      it('answers a ping', async () => {
        await expect(accounts.ping()).resolves.toBeUndefined();
      });
    },
  );
}
