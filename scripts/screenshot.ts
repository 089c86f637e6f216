// Screenshots of the reports page for the docs, from the real service: `npm run screenshot`.
// Starts the service as the browser tests do (fresh SQLite database, the first-run demo, a worker),
// has a progress report built for demo-batch-1, signs in as the demo mentor with a one-time link,
// and saves docs/reports-page.png (1280×900) and docs/reports-page-phone.png (360 px wide, the
// whole page). Needs Debian's chromium (/usr/bin/chromium); nothing leaves 127.0.0.1.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dialects } from '../test/helpers/databases.js';
import { CHROMIUM_PATH, DEMO_MENTOR, hasChromium, keepOnLoopback, launchChromium, signedInAs, startReportsService } from '../test/helpers/reports-service.js';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const BATCH = '/#/batches/demo-batch-1';

if (!hasChromium()) {
  console.error(`screenshot: ${CHROMIUM_PATH} is missing; install Debian's chromium (apt-get install chromium)`);
  process.exit(1);
}
const sqlite = dialects.find((dialect) => dialect.name === 'sqlite')!;
const service = await startReportsService(sqlite);
const browser = await launchChromium();
try {
  const context = await browser.newContext({ baseURL: service.baseUrl, viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  context.setDefaultTimeout(30_000);
  const outside = await keepOnLoopback(context);
  const page = await context.newPage();
  await page.goto(await service.signinLink(DEMO_MENTOR, BATCH));
  await signedInAs(page);

  // The report is asked for on the page and built by the worker; the shots show the batch as the
  // mentor finds it when coming back (a fresh passphrase, the ready request).
  await page.getByTestId('submit-progress-exhaust').click();
  await page.locator('#request-list > li[data-status="SUCCESS"]').waitFor();
  await page.reload();
  await page.locator('#request-list > li[data-status="SUCCESS"]').waitFor();
  await page.locator('#reports-status:empty').waitFor({ state: 'attached' });

  mkdirSync(DOCS, { recursive: true });
  // At 1280×900 the requests are just below the fold: scrolled to the end, the shot shows the
  // reports to choose from and the ready request with its Download button.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.screenshot({ path: join(DOCS, 'reports-page.png') });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.setViewportSize({ width: 360, height: 780 });
  await page.screenshot({ path: join(DOCS, 'reports-page-phone.png'), fullPage: true });
  if (outside.length > 0) throw new Error(`the page asked for something outside: ${outside.join(', ')}`);
  console.log(`screenshot: wrote ${join(DOCS, 'reports-page.png')} and ${join(DOCS, 'reports-page-phone.png')}`);
} finally {
  await browser.close();
  await service.close();
}
