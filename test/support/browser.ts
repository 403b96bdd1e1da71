// Browser tests' support: Debian's Chromium driven by playwright-core (Playwright's own
// browser download needs the internet), a real platform listening on a loopback port with the
// built web UI, and axe-core run inside the page. Without /usr/bin/chromium the suites skip
// saying so; under CI=true a missing Chromium fails them instead.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll } from 'vitest';
import { buildWeb } from '../../scripts/build-web.ts';
import { buildApp, type Platform } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { testEnv } from './app.ts';
import { dropKeys } from './stores.ts';
import { type HttpStack, isCI } from './targets.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser suites skip here, or undefined when they run. */
export const browserSkipReason =
  fs.existsSync(CHROMIUM) || isCI
    ? undefined
    : `${CHROMIUM} is missing, so the browser suites are skipped (apt-get install -y chromium; .ci/run installs it)`;

/** Chromium without the background traffic that would hammer a closed network. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The platform on fresh stores of `stack`, serving the built UI on a loopback port; closed after the file. */
export async function servePlatform(
  stack: Pick<HttpStack, 'sql' | 'cache'>,
  env: Record<string, string> = {},
): Promise<{ platform: Platform; url: string }> {
  await buildWeb({ quiet: true });
  const testEnvironment = await testEnv({
    sql: stack.sql,
    cache: stack.cache,
    env: { DEMO_MODE: '1', COMMERCE_STORE: stack.sql, ...env },
  });
  const platform = await buildApp(loadConfig(testEnvironment));
  await platform.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = platform.app.server.address() as AddressInfo;
  afterAll(async () => {
    await platform.app.close();
    if (testEnvironment.REDIS_URL && testEnvironment.KEY_PREFIX) {
      await dropKeys(testEnvironment.REDIS_URL, testEnvironment.KEY_PREFIX);
    }
  });
  return { platform, url: `http://127.0.0.1:${port}` };
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

/**
 * axe-core's WCAG 2 A/AA rules on the page as it is now. The script is evaluated through the
 * browser's debugging protocol, not added as a <script>, so the page's CSP stays as served.
 */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const run = (
      window as unknown as {
        axe: {
          run: (
            context: Document,
            options: object,
          ) => Promise<{
            violations: Array<{ id: string; impact: string | null; help: string; nodes: unknown[] }>;
          }>;
        };
      }
    ).axe.run;
    const result = await run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
    }));
  });
}

/** Every console error and CSP violation a page reports, to assert that there were none. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text()))
      problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', async (dialog) => {
    // A confirm() the test expects is accepted; an alert() would be script from user content.
    if (dialog.type() === 'confirm') await dialog.accept();
    else {
      problems.push(`unexpected ${dialog.type()}: ${dialog.message()}`);
      await dialog.dismiss();
    }
  });
  return problems;
}
