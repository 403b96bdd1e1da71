import { chromium } from 'playwright-core';

const b = await chromium.launch({
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
const ctx = await b.newContext({ baseURL: 'http://127.0.0.1:3900', viewport: { width: 1280, height: 900 } });
const page = await ctx.newPage();
page.on('console', (m) => console.log('console', m.type(), m.text()));
await page.goto('/sign-in');
await page.getByRole('heading', { name: 'Demo log-ins' }).waitFor();
await page.screenshot({ path: '/tmp/signin.png' });
await page.getByRole('button', { name: /Sign in as @ada/ }).click();
await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
await page.getByRole('listitem').first().waitFor();
await page.waitForTimeout(1000);
await page.screenshot({ path: '/tmp/home.png' });
const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime);
console.log('fcp', fcp);
await b.close();
