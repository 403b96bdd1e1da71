// What a person does in the web UI, in a real Chromium, on the embedded default and on the
// real PostgreSQL + Redis: sign up, post, be followed and read, like, comment, repost, be
// notified, block; buy (accepting a raised price first) and see the wallet change; book a seat;
// watch the architecture. Elements are found by their accessible names, as a person finds them.
import os from 'node:os';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { browserSkipReason, launchBrowser, servePlatform, watchProblems } from '../support/browser.ts';
import { httpStacks, stackTitle } from '../support/targets.ts';

// Generous time per flow: a page load on a busy machine can take seconds.
vi.setConfig({ testTimeout: 120_000 });

let browser: Browser;
beforeAll(async () => {
  if (!browserSkipReason) browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const HOSTILE = 'Hello <script>alert("x")</script><img src=x onerror="alert(1)">';

for (const stack of httpStacks) {
  const skip = browserSkipReason ?? stack.skip;
  describe.skipIf(skip !== undefined)(
    stackTitle(`the web UI${browserSkipReason ? ` [SKIPPED: ${browserSkipReason}]` : ''}`, stack),
    () => {
      let url: string;
      let routes: Set<string>;
      const people: Record<
        string,
        { context: BrowserContext; page: Page; problems: string[]; name: string; email: string }
      > = {};
      const run = `${process.pid}${Date.now().toString(36)}`;

      beforeAll(async () => {
        ({ url } = await servePlatform(stack));
        const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
          paths: Record<string, Record<string, unknown>>;
        };
        routes = new Set(
          Object.entries(doc.paths).flatMap(([path, methods]) =>
            Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
          ),
        );
        for (const who of ['Alice', 'Bob']) {
          const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 900 } });
          const page = await context.newPage();
          people[who] = {
            context,
            page,
            problems: watchProblems(page),
            name: `${who} ${run}`,
            email: `${who.toLowerCase()}.${run}@example.com`,
          };
        }
      });
      afterAll(async () => {
        for (const person of Object.values(people)) await person.context.close();
      });
      // A failed flow leaves what each person saw, to look at.
      beforeEach(({ onTestFailed }) => {
        onTestFailed(async () => {
          for (const [who, person] of Object.entries(people)) {
            await person.page
              .screenshot({ path: `${os.tmpdir()}/polyglot-failed-${who}.png` })
              .catch(() => {});
          }
        });
      });

      const as = (who: 'Alice' | 'Bob') => people[who] as (typeof people)[string];
      /** Reloads until `check` finds what it waits for: fan-out and counters settle in the background. */
      // Feeds reach their state through jobs and rebuilds: on a busy machine that takes a while.
      async function eventually(page: Page, check: () => Promise<boolean>, tries = 60) {
        for (let i = 0; i < tries; i++) {
          if (await check()) return;
          await page.waitForTimeout(500);
          await page.reload();
        }
        throw new Error(`not seen after ${tries} reloads of ${page.url()}`);
      }
      /** Skips, saying so, on a server without the route (the route lands in a later version). */
      const needsRoute = (route: string, ctx: { skip: (note?: string) => void }) => {
        if (!routes.has(route)) ctx.skip(`this server has no ${route} yet`);
      };

      it('signs up two people; the session survives a reload; field errors show next to their fields', async () => {
        for (const who of ['Alice', 'Bob'] as const) {
          const { page, name, email } = as(who);
          await page.goto('/sign-up');
          await page.getByLabel('Name', { exact: true }).fill(name);
          await page.getByLabel('Email').fill(email);
          await page.getByLabel('Password').fill('short');
          await page.getByLabel('Birth date').fill('1990-05-17');
          await page.getByRole('button', { name: 'Create account' }).click();
          // The server's 400 names the password: its message appears under that field.
          await page.locator('#field-password-error').waitFor();
          await page.getByLabel('Password').fill('a long enough password');
          await page.getByRole('button', { name: 'Create account' }).click();
          await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
        }
        const { page, name } = as('Alice');
        await page.reload();
        await page.getByText(`Signed in as`).waitFor();
        await page.goto('/settings');
        expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe(name);
      });

      it('posts; a post with markup shows its characters and runs nothing', async () => {
        const { page } = as('Alice');
        await page.goto('/');
        await page.getByLabel("What's happening?").fill(`First post of ${run}`);
        await page.getByRole('button', { name: 'Post', exact: true }).click();
        await page.getByText(`First post of ${run}`).waitFor();
        await page.getByLabel("What's happening?").fill(HOSTILE);
        await page.getByRole('button', { name: 'Post', exact: true }).click();
        await page.getByText(HOSTILE).waitFor();
        expect(await page.locator('.content img, .content script').count()).toBe(0);
        expect(as('Alice').problems).toEqual([]);
      });

      it('a second person finds her, follows, and sees her post in their feed; likes and comments', async () => {
        const { page } = as('Bob');
        const alice = as('Alice').name;
        await page.goto('/people');
        await page.getByLabel('Search people by name or handle').fill(alice);
        await page.getByRole('button', { name: `Follow ${alice}` }).click();
        await page.getByRole('button', { name: `Unfollow ${alice}` }).waitFor();
        await page.goto('/');
        const post = page
          .getByRole('listitem', { name: `Post by ${alice}` })
          .filter({ hasText: `First post of ${run}` });
        await eventually(page, async () => (await post.count()) > 0);
        await post.getByRole('button', { name: 'Like (0)' }).click();
        await post.getByRole('button', { name: 'Unlike (1)' }).waitFor();
        await post.getByRole('link', { name: /^Comments/ }).click();
        await page.getByLabel('Your comment').fill(`Nice one, from ${run}`);
        await page.getByRole('button', { name: 'Comment', exact: true }).click();
        await page.getByRole('listitem', { name: `Comment by ${as('Bob').name}` }).waitFor();
        // The like and the comment are the server's: the feed shows them after a reload.
        await page.goto('/');
        await eventually(
          page,
          async () => (await post.getByRole('link', { name: 'Comments: 1' }).count()) > 0,
        );
        await post.getByRole('button', { name: 'Unlike (1)' }).waitFor();
        expect(as('Bob').problems).toEqual([]);
      });

      it('reposts; the author is notified (unread badge)', async (ctx) => {
        needsRoute('PUT /api/v1/posts/{id}/repost', ctx);
        needsRoute('GET /api/v1/notifications', ctx);
        const bob = as('Bob').page;
        const alice = as('Alice');
        await bob.goto('/');
        const post = bob
          .getByRole('listitem', { name: `Post by ${alice.name}` })
          .filter({ hasText: `First post of ${run}` });
        await post.first().getByRole('button', { name: 'Repost (0)' }).click();
        await post.first().getByRole('button', { name: 'Undo repost (1)' }).waitFor();
        await alice.page.goto('/');
        await eventually(alice.page, async () => (await alice.page.getByText(/\d+ unread$/).count()) > 0);
        await alice.page.getByRole('link', { name: /Notifications/ }).click();
        await alice.page.getByText(`${as('Bob').name} reposted your post`).waitFor();
      });

      it('buys a product, accepting a raised price first, and the wallet changes', async () => {
        const seller = as('Alice').page;
        const buyer = as('Bob').page;
        const product = `Teapot ${run}`;
        await seller.goto('/market');
        await seller.getByText('Sell something').click();
        await seller.getByLabel('Product name').fill(product);
        await seller.getByLabel('Price (USD)').fill('5.00');
        await seller.getByLabel('Stock').fill('3');
        await seller.getByRole('button', { name: 'Offer product' }).click();
        await seller.getByRole('listitem', { name: product }).waitFor();

        await buyer.goto('/market/wallet');
        await buyer.getByRole('button', { name: 'Add $100.00 of play money' }).click();
        await buyer.getByText('$100.00').first().waitFor();
        await buyer.goto('/market');
        await buyer.getByRole('button', { name: `Add ${product} to cart` }).click();
        await buyer.getByText('In your cart.').waitFor();

        // The seller raises the price while it sits in the cart.
        const mine = seller.getByRole('listitem', { name: product });
        await mine.getByText('Edit price and stock').click();
        await mine.getByLabel('New price (USD)').fill('6.00');
        await mine.getByRole('button', { name: 'Save' }).click();
        await mine.getByText('$6.00').waitFor();

        await buyer.goto('/market/cart');
        await buyer.getByText('The price went up from $5.00 to $6.00.').waitFor();
        expect(await buyer.getByRole('button', { name: 'Accept the new prices to pay' }).isDisabled()).toBe(
          true,
        );
        await buyer.getByRole('button', { name: `Accept the new price of ${product}` }).click();
        // A double click pays once: one key for the one intended checkout.
        await buyer.getByRole('button', { name: 'Pay $6.00' }).dblclick();
        await buyer.getByText('Paid $6.00.').waitFor();
        await buyer.goto('/market/wallet');
        await buyer.getByLabel('Balance').getByText('$94.00').waitFor();
        await buyer.goto('/market/orders');
        await buyer.getByText(`1 × ${product} at $6.00`).waitFor();

        await seller.goto('/market/orders');
        await seller.getByRole('tab', { name: 'Sold' }).click();
        await seller.getByText(`1 × ${product} at $6.00`).waitFor();
        expect(as('Bob').problems).toEqual([]);
      });

      it('books a seat on an event’s seat map', async () => {
        const organizer = as('Alice').page;
        await organizer.goto('/market/events');
        await organizer.getByLabel('Event name').fill(`Concert ${run}`);
        await organizer.getByLabel('Seats').fill('12');
        await organizer.getByRole('button', { name: 'Create event' }).click();
        await organizer.getByRole('group', { name: 'Seat map' }).waitFor();
        const guest = as('Bob').page;
        await guest.goto(organizer.url());
        await guest.getByRole('button', { name: 'Seat 3, free' }).click();
        await guest.getByText('Seat 3 is yours.').waitFor();
        await guest.getByRole('button', { name: 'Seat 3, taken' }).waitFor();
        expect(await guest.getByRole('button', { name: 'Seat 3, taken' }).isDisabled()).toBe(true);
      });

      it('edits one’s own comment', async (ctx) => {
        needsRoute('PATCH /api/v1/posts/{id}/comments/{comment_id}', ctx);
        const { page, name } = as('Bob');
        await page.goto('/');
        const post = page
          .getByRole('listitem', { name: `Post by ${as('Alice').name}` })
          .filter({ hasText: `First post of ${run}` });
        await post
          .first()
          .getByRole('link', { name: /^Comments/ })
          .click();
        const comment = page.getByRole('listitem', { name: `Comment by ${name}` }).first();
        await comment.getByRole('button', { name: 'Edit' }).click();
        await comment.getByLabel('Edit comment').fill(`Edited, from ${run}`);
        await comment.getByRole('button', { name: 'Save comment' }).click();
        await comment.getByText(`Edited, from ${run}`).waitFor();
        await page.reload();
        await page.getByText(`Edited, from ${run}`).waitFor();
      });

      it('deletes an account: asked for the password, signed out, unable to sign in again', async (ctx) => {
        needsRoute('DELETE /api/v1/me', ctx);
        const context = await browser.newContext({ baseURL: url });
        const page = await context.newPage();
        const email = `leaver.${run}@example.com`;
        await page.goto('/sign-up');
        await page.getByLabel('Name', { exact: true }).fill(`Leaver ${run}`);
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill('a long enough password');
        await page.getByLabel('Birth date').fill('1990-05-17');
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
        watchProblems(page);
        await page.goto('/settings');
        await page.getByLabel('Your password, to confirm').fill('a long enough password');
        await page.getByRole('button', { name: 'Delete my account' }).click();
        await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
        await page.goto('/sign-in');
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill('a long enough password');
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.getByRole('alert').waitFor();
        await context.close();
      });

      it('shows every role healthy on the architecture page, with a chart', async () => {
        const { page } = as('Bob');
        await page.goto('/architecture');
        const roles = page.getByRole('list', { name: 'Roles' }).getByRole('listitem');
        await roles.first().waitFor();
        expect(await roles.count()).toBe(7);
        await page.locator('[data-health="healthy"]').nth(6).waitFor();
        expect(await page.locator('[data-health]:not([data-health="healthy"])').count()).toBe(0);
        await page.getByRole('img', { name: /Probe round trip per role/ }).waitFor();
      });

      it('blocking takes the blocked person’s post out of the feed', async (ctx) => {
        needsRoute('PUT /api/v1/users/{id}/block', ctx);
        const bob = as('Bob').page;
        const alice = as('Alice');
        // Bob posts; Alice follows him and reads it; once she blocks him, his post leaves her feed.
        const bobsPost = `Bob writes, ${run}`;
        await bob.goto('/');
        await bob.getByLabel("What's happening?").fill(bobsPost);
        await bob.getByRole('button', { name: 'Post', exact: true }).click();
        await bob.getByText(bobsPost).waitFor();
        await alice.page.goto('/people');
        await alice.page.getByLabel('Search people by name or handle').fill(as('Bob').name);
        await alice.page.getByRole('button', { name: `Follow ${as('Bob').name}` }).click();
        await alice.page.getByRole('button', { name: `Unfollow ${as('Bob').name}` }).waitFor();
        await alice.page.goto('/');
        await eventually(alice.page, async () => (await alice.page.getByText(bobsPost).count()) > 0);
        await alice.page
          .getByRole('link', { name: as('Bob').name, exact: true })
          .first()
          .click();
        await alice.page.getByRole('button', { name: `Block ${as('Bob').name}` }).click();
        await alice.page.getByRole('button', { name: `Unblock ${as('Bob').name}` }).waitFor();
        await alice.page.goto('/');
        await eventually(alice.page, async () => {
          await alice.page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
          await alice.page.locator('.skeleton').waitFor({ state: 'detached' });
          return (await alice.page.getByText(bobsPost).count()) === 0;
        });
      });
    },
  );
}
