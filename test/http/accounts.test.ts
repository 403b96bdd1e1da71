// Accounts, sessions and profiles through the real HTTP stack, on the embedded
// default and on the real PostgreSQL + Redis.
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { auth, newAccountBody, signUp } from '../support/api.ts';
import { buildTestApp } from '../support/app.ts';
import { httpStacks, stackTitle } from '../support/targets.ts';

for (const stack of httpStacks) {
  describe.skipIf(stack.skip !== undefined)(stackTitle('accounts API', stack), () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      ({ app } = await buildTestApp({ sql: stack.sql, cache: stack.cache }));
    });

    const post = (url: string, payload: unknown, headers = {}) =>
      app.inject({ method: 'POST', url: `/api/v1${url}`, payload: payload as object, headers });
    const get = (url: string, headers = {}) => app.inject({ method: 'GET', url: `/api/v1${url}`, headers });
    const countPeople = async (q: string) =>
      (await get(`/users?q=${encodeURIComponent(q)}`)).json().items.length;

    describe('sign-up', () => {
      it('creates an account with every documented field, with a handle derived from the name', async () => {
        const body = newAccountBody({ name: 'Ada Lovelace' });
        const res = await post('/accounts', body);
        expect(res.statusCode).toBe(201);
        expect(res.json()).toEqual({
          id: expect.any(Number),
          handle: expect.stringMatching(/^ada_lovelace(_\d+)?$/),
          email: body.email,
          name: 'Ada Lovelace',
          bio: '',
          avatar_url: null,
          birthdate: '1990-05-17',
          created_at: expect.any(String),
        });
        expect(res.body).not.toMatch(/argon2|password/);
      });

      it('takes a handle given in any case, lower-cased, and refuses it again in another case', async () => {
        const handle = `Grace_${Date.now() % 1e6}`;
        const res = await post('/accounts', newAccountBody({ handle }));
        expect(res.json().handle).toBe(handle.toLowerCase());
        const again = await post('/accounts', newAccountBody({ handle: handle.toUpperCase() }));
        expect(again.statusCode).toBe(409);
        expect(again.json().error).toMatchObject({
          code: 'handle_taken',
          details: { fields: { handle: 'taken' } },
        });
      });

      it('refuses an email taken in any letter case with 409, creating nothing', async () => {
        const body = newAccountBody();
        expect((await post('/accounts', body)).statusCode).toBe(201);
        const marker = `Dup${Date.now()}`;
        const again = await post('/accounts', { ...body, email: body.email.toUpperCase(), name: marker });
        expect(again.statusCode).toBe(409);
        expect(again.json().error.code).toBe('email_taken');
        expect(await countPeople(marker)).toBe(0);
      });

      it.each([
        ['birthdate', { birthdate: new Date(Date.now() - 17 * 365.25 * 86400e3).toISOString().slice(0, 10) }],
        ['birthdate', { birthdate: '1990-02-30' }],
        ['email', { email: 'not-an-email' }],
        ['password', { password: 'short' }],
        ['password', { password: 'x'.repeat(1025) }],
        ['name', { name: '   ' }],
        ['name', { name: 'x'.repeat(101) }],
        ['name', { name: 'nul\u0000byte' }],
        ['handle', { handle: 'no spaces' }],
        ['handle', { handle: 'ab' }],
        ['email', { email: { $gt: '' } }],
        ['is_admin', { is_admin: true }],
      ])('answers 400 naming %s, and creates nothing (%j)', async (field, overrides) => {
        const marker = `Nobody${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
        const res = await post('/accounts', newAccountBody({ name: marker, ...overrides }));
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('bad_request');
        expect(Object.keys(res.json().error.details.fields)).toContain(field);
        expect(await countPeople(marker)).toBe(0);
      });

      it('names every missing field', async () => {
        const res = await post('/accounts', {});
        expect(res.statusCode).toBe(400);
        expect(Object.keys(res.json().error.details.fields).sort()).toEqual([
          'birthdate',
          'email',
          'name',
          'password',
        ]);
      });

      it('accepts someone who turns 18 today', async () => {
        const today = new Date();
        const birthdate = `${today.getUTCFullYear() - 18}-${String(today.getUTCMonth() + 1).padStart(2, '0')}-${String(
          today.getUTCDate(),
        ).padStart(2, '0')}`;
        // 29 February has no anniversary in most years; the service counts 1 March.
        if (birthdate.endsWith('02-29')) return;
        expect((await post('/accounts', newAccountBody({ birthdate }))).statusCode).toBe(201);
      });
    });

    describe('sessions', () => {
      it('signs in case-insensitively and gives a token that expires in an hour', async () => {
        const body = newAccountBody();
        await post('/accounts', body);
        const res = await post('/sessions', { email: body.email.toUpperCase(), password: body.password });
        expect(res.statusCode).toBe(201);
        const { token, expires_at } = res.json();
        expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        const ttl = Date.parse(expires_at) - Date.now();
        expect(ttl).toBeGreaterThan(3500_000);
        expect(ttl).toBeLessThanOrEqual(3600_000);
        expect((await get('/me', auth(token))).json().email).toBe(body.email);
      });

      it('answers a wrong email and a wrong password alike', async () => {
        const user = await signUp(app);
        const wrongPassword = await post('/sessions', { email: user.email, password: 'not the password' });
        const wrongEmail = await post('/sessions', { email: `x${user.email}`, password: user.password });
        expect(wrongPassword.statusCode).toBe(401);
        expect(wrongEmail.statusCode).toBe(401);
        expect(wrongEmail.body).toBe(wrongPassword.body);
      });

      it('needs a session for /me: none, malformed, forged or truncated tokens get 401', async () => {
        const user = await signUp(app);
        for (const headers of [
          {},
          { authorization: 'Basic abc' },
          { authorization: 'Bearer' },
          auth(user.token.slice(0, -1)),
          auth(`${user.token.slice(0, -1)}${user.token.endsWith('A') ? 'B' : 'A'}`),
          auth('x'.repeat(43)),
        ]) {
          const res = await get('/me', headers);
          expect(res.statusCode).toBe(401);
          expect(res.json().error.code).toBe('unauthorized');
        }
      });

      it('answers 401 before 400 for an anonymous invalid write', async () => {
        const res = await app.inject({ method: 'PATCH', url: '/api/v1/me', payload: { name: 42 } });
        expect(res.statusCode).toBe(401);
      });

      it('ends the current session at once', async () => {
        const user = await signUp(app);
        expect((await get('/me', auth(user.token))).statusCode).toBe(200);
        const out = await app.inject({
          method: 'DELETE',
          url: '/api/v1/sessions/current',
          headers: auth(user.token),
        });
        expect(out.statusCode).toBe(204);
        expect((await get('/me', auth(user.token))).statusCode).toBe(401);
      });

      it('ends every session of the caller, and only theirs', async () => {
        const user = await signUp(app);
        const other = await signUp(app);
        const second = (await post('/sessions', { email: user.email, password: user.password })).json().token;
        const out = await app.inject({
          method: 'DELETE',
          url: '/api/v1/sessions',
          headers: auth(user.token),
        });
        expect(out.statusCode).toBe(204);
        expect((await get('/me', auth(user.token))).statusCode).toBe(401);
        expect((await get('/me', auth(second))).statusCode).toBe(401);
        expect((await get('/me', auth(other.token))).statusCode).toBe(200);
      });
    });

    describe('password change', () => {
      it('refuses a wrong current password with 403, changing nothing', async () => {
        const user = await signUp(app);
        const res = await app.inject({
          method: 'PUT',
          url: '/api/v1/me/password',
          headers: auth(user.token),
          payload: { current_password: 'wrong password', new_password: 'a brand new password' },
        });
        expect(res.statusCode).toBe(403);
        expect((await post('/sessions', { email: user.email, password: user.password })).statusCode).toBe(
          201,
        );
      });

      it('changes the password and ends every other session', async () => {
        const user = await signUp(app);
        const other = (await post('/sessions', { email: user.email, password: user.password })).json().token;
        const res = await app.inject({
          method: 'PUT',
          url: '/api/v1/me/password',
          headers: auth(user.token),
          payload: { current_password: user.password, new_password: 'a brand new password' },
        });
        expect(res.statusCode).toBe(204);
        expect((await get('/me', auth(other))).statusCode).toBe(401);
        expect((await get('/me', auth(user.token))).statusCode).toBe(200);
        expect((await post('/sessions', { email: user.email, password: user.password })).statusCode).toBe(
          401,
        );
        expect(
          (await post('/sessions', { email: user.email, password: 'a brand new password' })).statusCode,
        ).toBe(201);
      });
    });

    describe('profiles', () => {
      it('updates the profile and shows it at once on the cached public profile', async () => {
        const user = await signUp(app);
        const before = await get(`/users/${user.id}`);
        expect(before.json()).toEqual({
          id: user.id,
          handle: user.handle,
          name: expect.any(String),
          bio: '',
          avatar_url: null,
          created_at: expect.any(String),
          counts: { followers: 0, following: 0, posts: 0 },
        });
        expect(before.body).not.toMatch(/email|birthdate/);
        const patch = await app.inject({
          method: 'PATCH',
          url: '/api/v1/me',
          headers: auth(user.token),
          payload: { name: 'Renamed', bio: 'Hi <b>there</b>', avatar_url: 'https://example.com/me.png' },
        });
        expect(patch.statusCode).toBe(200);
        expect(patch.json()).toMatchObject({
          name: 'Renamed',
          bio: 'Hi <b>there</b>',
          avatar_url: 'https://example.com/me.png',
        });
        expect((await get(`/users/${user.id}`)).json()).toMatchObject({
          name: 'Renamed',
          bio: 'Hi <b>there</b>',
        });
        await app.inject({
          method: 'PATCH',
          url: '/api/v1/me',
          headers: auth(user.token),
          payload: { avatar_url: null },
        });
        expect((await get(`/users/${user.id}`)).json().avatar_url).toBeNull();
      });

      it.each([
        [{}, 'body'],
        [{ avatar_url: 'javascript:alert(1)' }, 'avatar_url'],
        [{ avatar_url: 'ftp://example.com/a.png' }, 'avatar_url'],
        [{ bio: 'x'.repeat(501) }, 'bio'],
        [{ email: 'new@example.com' }, 'email'],
      ])('refuses %j with 400 naming %s, changing nothing', async (payload, field) => {
        const user = await signUp(app);
        const before = (await get('/me', auth(user.token))).json();
        const res = await app.inject({
          method: 'PATCH',
          url: '/api/v1/me',
          headers: auth(user.token),
          payload,
        });
        expect(res.statusCode).toBe(400);
        expect(Object.keys(res.json().error.details.fields)).toContain(field);
        expect((await get('/me', auth(user.token))).json()).toEqual(before);
      });

      it('answers 404 for an unknown user and 400 for a malformed id', async () => {
        expect((await get('/users/987654321')).statusCode).toBe(404);
        for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
          expect((await get(`/users/${id}`)).statusCode, id).toBe(400);
        }
      });

      it('finds people by handle or name prefix, and by similarity', async () => {
        const stamp = Date.now() % 1e6;
        const user = await signUp(app, { name: `Quintessa Varga ${stamp}`, handle: `qvarga_${stamp}` });
        const byHandle = (await get(`/users?q=qvarga_${stamp}`)).json();
        expect(byHandle).toEqual({
          items: [{ id: user.id, handle: user.handle, name: `Quintessa Varga ${stamp}`, avatar_url: null }],
          next_cursor: null,
        });
        expect((await get('/users?q=quintessa')).json().items.map((p: { id: number }) => p.id)).toContain(
          user.id,
        );
        expect((await get('/users?q=varga')).json().items.map((p: { id: number }) => p.id)).toContain(
          user.id,
        );
        expect((await get('/users?q=')).statusCode).toBe(400);
        expect((await get('/users?q=a&limit=101')).statusCode).toBe(400);
      });
    });
  });
}
