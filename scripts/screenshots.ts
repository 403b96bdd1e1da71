// npm run screenshots [-- URL]: one screenshot per main page, at desktop and phone width, of a
// running platform with the demo content (default http://localhost:3000), into docs/screenshots/.
// Signs in with the first demo log-in the server offers (demo mode).
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';

const base = process.argv[2] ?? 'http://localhost:3000';
const out = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'docs', 'screenshots');
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 860 },
  { name: 'phone', width: 360, height: 740 },
];

const demo = (await (await fetch(`${base}/api/v1/demo`)).json()) as {
  log_ins: Array<{ role: string; email: string; password: string }>;
};
const person = demo.log_ins.find((logIn) => logIn.role === 'demo');
const operator = demo.log_ins.find((logIn) => logIn.role === 'operator');
if (!person || !operator)
  throw new Error(`${base} offers no demo log-ins: start it in demo mode with the demo content`);

async function token(logIn: { email: string; password: string }) {
  const response = await fetch(`${base}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: logIn.email, password: logIn.password }),
  });
  return ((await response.json()) as { token: string }).token;
}

/** Waits until the page has its content: a heading, and no skeleton left. */
async function settle(page: Page) {
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page
    .locator('.skeleton')
    .first()
    .waitFor({ state: 'detached', timeout: 20_000 })
    .catch(() => {});
  await page.waitForTimeout(300);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const tokens = { person: await token(person), operator: await token(operator) };
for (const viewport of VIEWPORTS) {
  const context = await browser.newContext({ baseURL: base, viewport });
  const page = await context.newPage();
  const shot = async (name: string, route: string) => {
    await page.goto(route);
    await settle(page);
    // The architecture page's charts sit below the role cards: the whole page.
    await page.screenshot({
      path: path.join(out, `${name}-${viewport.name}.png`),
      fullPage: name === 'architecture',
    });
    console.log(`${name}-${viewport.name}.png`);
  };
  await shot('sign-in', '/sign-in');
  await page.evaluate((value) => localStorage.setItem('polyglot.token', value), tokens.person);
  await shot('home', '/');
  const firstPost = await page.locator('a.time').first().getAttribute('href');
  if (firstPost) await shot('post', firstPost);
  const profile = await page.getByRole('link', { name: 'Profile' }).getAttribute('href');
  if (profile) await shot('profile', profile);
  await shot('people', '/people');
  await shot('notifications', '/notifications');
  await shot('trending', '/trending');
  await shot('market', '/market');
  await shot('wallet', '/market/wallet');
  await page.evaluate((value) => localStorage.setItem('polyglot.token', value), tokens.operator);
  await shot('architecture', '/architecture');
  await context.close();
}
await browser.close();
