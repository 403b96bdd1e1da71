// The main pages in a real Chromium, at desktop and phone width: axe-core finds no serious or
// critical accessibility problem, every page works under the served CSP (no violation, no
// script error), keyboard focus is visible and reaches the navigation, and the first page's
// JavaScript and first contentful paint are measured and printed (reported, not asserted).
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WEB_OUT } from '../../scripts/build-web.ts';
import {
  type AxeViolation,
  axe,
  browserSkipReason,
  launchBrowser,
  servePlatform,
  watchProblems,
} from '../support/browser.ts';

vi.setConfig({ testTimeout: 180_000 });

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 360, height: 740 },
];

/** The pages a visitor and a signed-in person reach from the navigation. */
const PAGES = [
  '/',
  '/sign-in',
  '/sign-up',
  '/trending',
  '/people',
  '/architecture',
  '/market',
  '/market/cart',
  '/market/wallet',
  '/market/orders',
  '/market/events',
  '/settings',
  '/notifications',
];

describe.skipIf(browserSkipReason !== undefined)(
  `the web UI's pages${browserSkipReason ? ` [SKIPPED: ${browserSkipReason}]` : ''}`,
  () => {
    let browser: Browser;
    let url: string;
    beforeAll(async () => {
      ({ url } = await servePlatform({ sql: 'pglite', cache: 'memory' }));
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
    });

    /** A signed-in page: an account made through the API, its token kept where the UI keeps it. */
    async function signedIn(page: Page) {
      const email = `pages.${process.pid}.${Date.now()}@example.com`;
      const password = 'a long enough password';
      const post = (route: string, body: object) =>
        fetch(`${url}/api/v1${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect(
        (await post('/accounts', { email, password, name: 'Page Reader', birthdate: '1990-01-01' })).status,
      ).toBe(201);
      const { token } = (await (await post('/sessions', { email, password })).json()) as { token: string };
      await page.goto('/sign-in');
      await page.evaluate((value) => localStorage.setItem('polyglot.token', value), token);
    }

    it('measures the first page: its JavaScript gzipped and its first contentful paint', async () => {
      const page = await browser.newPage({ baseURL: url });
      const scripts: string[] = [];
      page.on('response', (response) => {
        if (response.request().resourceType() === 'script') scripts.push(new URL(response.url()).pathname);
      });
      await page.goto('/');
      await page.getByRole('heading', { level: 1 }).waitFor();
      const fcp = await page.evaluate(
        () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
      );
      const gzipped = scripts.reduce(
        (sum, script) => sum + gzipSync(fs.readFileSync(path.join(WEB_OUT, script))).length,
        0,
      );
      console.log(
        `first page: ${scripts.length} scripts, ${(gzipped / 1024).toFixed(1)} KB of JavaScript gzipped; first contentful paint ${fcp === null ? 'not reported' : `${Math.round(fcp)} ms`}`,
      );
      expect(scripts.length).toBeGreaterThan(0);
      await page.close();
    });

    for (const viewport of VIEWPORTS) {
      it(`has no serious or critical axe violation on any main page at ${viewport.name} width, and no CSP or script error`, async () => {
        const context = await browser.newContext({ baseURL: url, viewport });
        const page = await context.newPage();
        const problems = watchProblems(page);
        const found: Record<string, AxeViolation[]> = {};
        const csp: string[] = [];
        await page.exposeFunction('reportViolation', (text: string) => csp.push(text));
        await page.addInitScript(() => {
          document.addEventListener('securitypolicyviolation', (event) =>
            (window as unknown as { reportViolation: (t: string) => void }).reportViolation(
              `${event.violatedDirective} ${event.blockedURI}`,
            ),
          );
        });
        for (const signed of [false, true]) {
          if (signed) await signedIn(page);
          for (const route of PAGES) {
            await page.goto(route);
            await page.getByRole('heading', { level: 1 }).first().waitFor();
            // Settled: no skeleton left.
            await page
              .locator('.skeleton')
              .first()
              .waitFor({ state: 'detached', timeout: 15_000 })
              .catch(() => {});
            const all = await axe(page);
            const violations = all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
            const minor = all.filter((v) => !violations.includes(v));
            found[`${signed ? 'signed in' : 'visitor'} ${route}`] = violations;
            if (minor.length)
              console.log(`axe (${viewport.name}) ${route}: minor: ${minor.map((v) => v.id).join(', ')}`);
          }
        }
        const failing = Object.entries(found).filter(([, v]) => v.length);
        console.log(
          `axe at ${viewport.name} width: ${Object.keys(found).length} page views, ${failing.length} with serious or critical violations`,
        );
        expect(failing).toEqual([]);
        expect(csp).toEqual([]);
        expect(problems).toEqual([]);
        await context.close();
      });
    }

    it('is usable by keyboard: a skip link first, a visible focus ring, the navigation in reach', async () => {
      const page = await browser.newPage({ baseURL: url });
      await page.goto('/');
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.keyboard.press('Tab');
      const first = await page.evaluate(() => document.activeElement?.textContent?.trim());
      expect(first).toBe('Skip to content');
      const outline = await page.evaluate(
        () => getComputedStyle(document.activeElement as Element).outlineStyle,
      );
      expect(outline).not.toBe('none');
      // Tab onwards reaches the Architecture link; Enter follows it.
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press('Tab');
        if ((await page.evaluate(() => document.activeElement?.textContent?.trim())) === 'Architecture')
          break;
      }
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Architecture', level: 1 }).waitFor();
      await page.close();
    });

    it('follows the system theme: dark colours when the system asks for dark', async () => {
      const background = async (colorScheme: 'light' | 'dark') => {
        const context = await browser.newContext({ baseURL: url, colorScheme });
        const page = await context.newPage();
        await page.goto('/');
        const colour = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        await context.close();
        return colour;
      };
      expect(await background('light')).toBe('rgb(255, 255, 255)');
      expect(await background('dark')).toBe('rgb(15, 19, 26)');
    });
  },
);
