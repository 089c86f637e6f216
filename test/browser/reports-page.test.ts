// The reports page in a real browser (Debian's Chromium through Playwright) against the real
// service: signing in through a real OpenID provider, requesting a report and opening its zip with
// 7-Zip, what a mentor may not do, accessibility, one-time links and ended sessions.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { dialects } from '../helpers/databases.js';
import { CHROMIUM_PATH, DEMO_ADMIN, DEMO_MENTOR, hasChromium, keepOnLoopback, launchChromium, type ReportsService, signedInAs, startReportsService } from '../helpers/reports-service.js';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const PROVIDER_ACCOUNTS = {
  'demo-mentor': { roles: ['COURSE_MENTOR'], rootOrgId: 'demo-channel', name: 'Demo Mentor' },
  'demo-admin': { roles: ['ORG_ADMIN'], rootOrgId: 'demo-channel', name: 'Demo Admin' },
};
const IDLE = 31 * 60_000; // past EXHAUST_SESSION_IDLE_MINUTES (30)
const signedOutPage = (url: URL) => url.pathname === '/signin' && url.search === '?signedout=1';

const missing = hasChromium() ? undefined : `${CHROMIUM_PATH} is missing (apt-get install chromium)`;
if (missing && process.env.CI) {
  test('the browser tests have a browser', () => assert.fail(`${missing}; CI must run the browser tests`));
}

describe('the reports page in a browser', { skip: missing }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  for (const dialect of dialects) {
    describe(`the service with the first-run demo, a worker and a real OpenID provider (${dialect.name})`, () => {
      let service: ReportsService;
      before(async () => {
        service = await startReportsService(dialect, { providerAccounts: PROVIDER_ACCOUNTS });
      });
      after(async () => {
        await service?.close();
      });

      /** A fresh browser profile for one test, closed after it; what it tried to reach off loopback. */
      const open = async (t: TestContext, options: BrowserContextOptions = {}) => {
        const context = await browser.newContext({ baseURL: service.baseUrl, viewport: { width: 1280, height: 900 }, ...options });
        t.after(() => context.close());
        context.setDefaultTimeout(10_000); // a step that hangs fails soon, naming the step
        const outside = await keepOnLoopback(context);
        return { context, page: await context.newPage(), outside };
      };

      /** On the provider's login page: signs in as `login` (any password: its dev pages), consents, and returns to the service. */
      const signInAtProvider = async (page: Page, login: string) => {
        await page.waitForURL(`${service.provider!.issuer}/interaction/**`);
        const loginUrl = page.url();
        await page.locator('input[name="login"]').fill(login);
        await page.locator('input[name="password"]').fill('any password');
        await page.getByRole('button', { name: 'Sign-in' }).click();
        await page.waitForURL((url) => url.href !== loginUrl);
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.waitForURL(`${service.baseUrl}/**`);
      };

      /** Opens `/`, signs in at the provider, and waits for the page to say who is signed in. */
      const signInWithProvider = async (t: TestContext, login: string) => {
        const opened = await open(t);
        await opened.page.goto('/');
        await signInAtProvider(opened.page, login);
        assert.equal(await signedInAs(opened.page), login);
        return opened;
      };

      /** The batch ids the list shows, once it has loaded. */
      const listedBatches = async (page: Page) => {
        await page.locator('#list-status').filter({ hasText: /to choose from|no batches/ }).waitFor();
        const ids = await page.locator('#batch-list a[data-testid^="batch-"]').evaluateAll((links) => links.map((a) => a.getAttribute('data-testid')!.slice('batch-'.length)));
        return ids.sort();
      };

      test('a mentor signs in at the OpenID provider (code flow with PKCE) and comes back signed in with the roles of the access token', async (t) => {
        const { page, outside } = await open(t);
        const visited: string[] = [];
        page.on('request', (request) => {
          if (request.isNavigationRequest() && request.frame() === page.mainFrame()) visited.push(request.url());
        });
        await page.goto('/');
        await signInAtProvider(page, 'demo-mentor');

        assert.equal(await signedInAs(page), 'demo-mentor');
        assert.equal(await page.getByTestId('user-org').textContent(), 'demo-channel');
        assert.equal(await page.locator('#user-roles').textContent(), '(course mentor)');
        // Roles and organisation come from the provider's JWT access token, verified as on the API's user path.
        const session = await page.request.get('/ui/api/session');
        assert.deepEqual((await session.json()).result.roles, ['COURSE_MENTOR']);

        const path = (url: string) => url.replace(service.baseUrl, '').replace(service.provider!.issuer, '<provider>');
        const trail = visited.map(path);
        assert.equal(trail[0], '/');
        assert.ok(trail.includes('/signin?next=%2F'), trail.join('\n'));
        assert.ok(trail.includes('/signin/start?next=%2F'), trail.join('\n'));
        const authorize = visited.find((url) => url.startsWith(`${service.provider!.issuer}/auth?`));
        assert.ok(authorize, trail.join('\n'));
        assert.equal(new URL(authorize).searchParams.get('code_challenge_method'), 'S256');
        assert.ok(trail.some((url) => url.startsWith('/signin/callback?code=')), trail.join('\n'));
        assert.equal(trail.at(-1), '/');
        assert.deepEqual(await listedBatches(page), ['demo-batch-1']);
        // Only the provider's own pages asked for something outside (a web font); the reports page never does.
        assert.deepEqual([...new Set(outside.map((url) => new URL(url).origin))].filter((origin) => origin !== 'https://fonts.googleapis.com'), []);
      });

      test('cancelling at the provider shows a page saying so; Try again goes back to sign in', async (t) => {
        const { page } = await open(t);
        await page.goto('/');
        await page.waitForURL(`${service.provider!.issuer}/interaction/**`);
        const [answer] = await Promise.all([
          page.waitForResponse((r) => r.url().startsWith(`${service.baseUrl}/signin/callback?`)),
          page.getByRole('link', { name: '[ Cancel ]' }).click(),
        ]);
        assert.equal(answer.status(), 403);
        assert.equal(new URL(answer.url()).searchParams.get('error'), 'access_denied');
        assert.equal(await page.locator('h1').textContent(), 'You are not signed in');
        assert.equal((await page.request.get('/ui/api/session')).status(), 401);
        assert.match(service.t.log(), /"providerError":"access_denied".*cancelled or refused at the identity provider/);
        await page.getByRole('link', { name: 'Try again' }).click();
        await signInAtProvider(page, 'demo-mentor');
        assert.equal(await signedInAs(page), 'demo-mentor');
      });

      test('a progress report is requested on the page, updates by itself to ready, downloads, and opens with the proposed passphrase', async (t) => {
        const { page, outside } = await signInWithProvider(t, 'demo-mentor');
        await page.getByTestId('batch-demo-batch-1').click();
        const submit = page.getByTestId('submit-progress-exhaust');
        await submit.waitFor();
        const learners = Number((await page.locator('#batch-facts').textContent())!.match(/([\d,]+) learners/)![1]!.replace(/,/g, ''));
        const passphrase = await page.getByTestId('passphrase').inputValue();
        assert.match(passphrase, /^[a-z2-7]{4}(-[a-z2-7]{4}){5}$/, 'a generated passphrase: 24 base32 characters');

        // Whatever follows happens in this very document: no reload, no navigation.
        await page.evaluate(() => Object.assign(window, { sameDocument: true }));
        let loads = 0;
        page.on('load', () => (loads += 1));
        const [submitted] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/ui/api/batches/demo-batch-1/requests') && r.request().method() === 'POST'), submit.click()]);
        const job = (await submitted.json()).result;
        assert.equal(job.status, 'SUBMITTED', 'a new request, locked with the passphrase shown');
        await page.locator('#reports-status').filter({ hasText: 'Progress report requested.' }).waitFor();
        const requestId: string = job.requestId;
        assert.equal(await page.locator('#request-list > li').first().getAttribute('data-request-id'), requestId, 'listed at once, newest first');
        await page.locator(`[data-testid="request-${requestId}"][data-status="SUCCESS"]`).waitFor({ timeout: 30_000 });
        await page.locator('#requests-status').filter({ hasText: 'Progress report: Ready to download.' }).waitFor(); // announced

        const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`download-${requestId}`).click()]);
        assert.equal(await download.failure(), null);
        assert.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true, 'the page was never reloaded');
        assert.equal(loads, 0);
        assert.equal(page.url(), `${service.baseUrl}/#/batches/demo-batch-1`);

        const dir = mkdtempSync(join(tmpdir(), 'reports-page-'));
        t.after(() => rmSync(dir, { recursive: true, force: true }));
        const zip = join(dir, download.suggestedFilename());
        assert.match(download.suggestedFilename(), /\.zip$/);
        await download.saveAs(zip);
        const wrong = spawnSync('7z', ['x', '-pnot-the-passphrase', `-o${join(dir, 'wrong')}`, '-y', zip], { encoding: 'utf8' });
        assert.notEqual(wrong.status, 0, 'the zip does not open with another passphrase');
        const opened = spawnSync('7z', ['x', `-p${passphrase}`, `-o${join(dir, 'out')}`, '-y', zip], { encoding: 'utf8' });
        assert.equal(opened.status, 0, opened.stdout + opened.stderr);
        const csvs = readdirSync(join(dir, 'out')).filter((name) => name.endsWith('.csv'));
        assert.equal(csvs.length, 1, readdirSync(join(dir, 'out')).join(', '));
        const lines = readFileSync(join(dir, 'out', csvs[0]!), 'utf8').replace(/^\uFEFF/, '').trimEnd().split(/\r?\n/);
        assert.match(lines[0]!, /^Collection Id,Collection Name,Batch Id,Batch Name,User UUID,/);
        assert.ok(lines.length - 1 >= 100, `${lines.length - 1} rows`);
        assert.equal(lines.length - 1, learners, 'a row per learner the page counted');
        assert.ok(lines.slice(1).every((line) => line.includes(',BatchId_demo-batch-1,')), `only the batch asked for: ${lines[1]}`);
        assert.deepEqual(outside.filter((url) => !url.startsWith('https://fonts.googleapis.com/')), []);
      });

      test('a mentor sees only their batch; crafted calls for another are 404, calls without the CSRF token 403; sign-out ends the session', async (t) => {
        const { page } = await signInWithProvider(t, 'demo-mentor');
        assert.deepEqual(await listedBatches(page), ['demo-batch-1'], 'demo-batch-2 and -3 are not listed');
        const csrf = await page.locator('#csrf').inputValue();
        assert.ok(csrf.length >= 20);

        // With the page's own token, from the page: the batch is not theirs, whatever the call.
        // (No named functions inside evaluate(): tsx's __name helper does not exist in the page.)
        const crafted = await page.evaluate(async (token) => {
          const headers = { 'content-type': 'application/json', 'x-csrf-token': token };
          const submit = await fetch('/ui/api/batches/demo-batch-2/requests', { method: 'POST', headers, body: JSON.stringify({ dataset: 'progress-exhaust', encryptionKey: 'a-long-enough-passphrase' }) });
          const links = await fetch('/ui/api/batches/demo-batch-2/requests/any-request/links', { method: 'POST', headers, body: '{}' });
          const list = await fetch('/ui/api/batches/demo-batch-2/requests');
          const reports = await fetch('/ui/api/batches/demo-batch-2/reports');
          return { submit: submit.status, links: links.status, list: list.status, reports: reports.status };
        }, csrf);
        assert.deepEqual(crafted, { submit: 404, links: 404, list: 404, reports: 404 });

        // The session cookie alone is not enough to change anything.
        const body = { dataset: 'response-exhaust', encryptionKey: 'a-long-enough-passphrase' };
        assert.equal((await page.request.post('/ui/api/batches/demo-batch-1/requests', { data: body })).status(), 403, 'no x-csrf-token');
        assert.equal((await page.request.post('/ui/api/batches/demo-batch-1/requests', { data: body, headers: { 'x-csrf-token': 'not-the-token' } })).status(), 403);
        const postForm = async (on: Page, action: string) => {
          const [response] = await Promise.all([
            on.waitForResponse((r) => r.url() === action && r.request().method() === 'POST'),
            on.evaluate((target) => {
              const form = document.createElement('form');
              form.method = 'post';
              form.action = target;
              for (const [name, value] of Object.entries({ dataset: 'response-exhaust', encryptionKey: 'a-long-enough-passphrase' })) {
                form.append(Object.assign(document.createElement('input'), { type: 'hidden', name, value }));
              }
              document.body.append(form);
              form.submit();
            }, action),
          ]);
          await on.waitForURL(action); // the answer is shown: the next navigation does not cut this one short
          return response.status();
        };
        assert.equal(await postForm(page, `${service.baseUrl}/signout`), 403, 'a form of this page without _csrf');
        // From another origin of the same site (127.0.0.1, another port): SameSite=Lax sends the cookie, the token is what stops it.
        const elsewhere = await page.context().newPage();
        for (const action of ['/signout', '/ui/api/batches/demo-batch-1/requests']) {
          await elsewhere.goto(`${service.provider!.issuer}/.well-known/openid-configuration`);
          assert.equal(await postForm(elsewhere, `${service.baseUrl}${action}`), 403, `a form from another origin to ${action}`);
        }
        await elsewhere.close();
        assert.equal((await page.request.get('/ui/api/session')).status(), 200, 'still signed in');
        const requests = (await (await page.request.get('/ui/api/batches/demo-batch-1/requests')).json()).result.requests;
        assert.deepEqual(requests.filter((r: { dataset: string }) => r.dataset === 'response-exhaust'), [], 'nothing was requested');

        await page.goto('/');
        await signedInAs(page);
        await page.getByTestId('signout').click();
        await page.waitForURL(signedOutPage);
        assert.equal(await page.locator('h1').textContent(), 'You have signed out');
        assert.equal((await page.request.get('/ui/api/session')).status(), 401);
        const home = await page.request.get('/', { maxRedirects: 0 });
        assert.equal(home.status(), 303);
        assert.equal(home.headers().location, '/signin?next=%2F');
        assert.deepEqual((await page.context().cookies()).filter((c) => c.name === 'exhaust_session'), []);
      });

      test('no serious or critical accessibility violation (axe) on the batch list, a batch with requests, and the pages around sign-in, at 1280 and 360 px', async (t) => {
        // axe is injected as a script tag, which the page's CSP (script-src 'self') would refuse:
        // this profile bypasses the CSP, for the audit only.
        const { page } = await open(t, { bypassCSP: true });
        await page.goto(await service.signinLink(DEMO_MENTOR, '/'));
        await signedInAs(page);
        const problems: string[] = [];
        const audit = async (what: string) => {
          if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_PATH });
          const { violations, passes } = await page.evaluate(async () => {
            const axe = (window as unknown as { axe: { run(context: Document): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[]; passes: unknown[] }> } }).axe;
            const results = await axe.run(document);
            return { violations: results.violations, passes: results.passes.length };
          });
          assert.ok(passes > 10, `axe checked ${what}`);
          for (const v of violations) {
            const line = `${what}: ${v.impact} ${v.id} — ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`;
            if (v.impact === 'serious' || v.impact === 'critical') problems.push(line);
            else t.diagnostic(line); // moderate and minor: reported, not failed
          }
        };
        for (const width of [1280, 360]) {
          await page.setViewportSize({ width, height: 900 });
          await page.goto('/');
          await listedBatches(page);
          await audit(`batch list at ${width} px`);

          await page.getByTestId('batch-demo-batch-1').click();
          await page.getByTestId('submit-progress-exhaust').click(); // the day's request again, or the first one
          await page.locator('#request-list > li[data-status="SUCCESS"]').first().waitFor({ timeout: 30_000 });
          await audit(`batch with requests at ${width} px`);

          await page.goto('/signin/link?token=used-or-never-made');
          await audit(`refused sign-in link at ${width} px`);
          await page.goto('/signin?signedout=1');
          await audit(`signed-out page at ${width} px`);
          await page.goto('/signin/start');
          await page.getByRole('link', { name: '[ Cancel ]' }).click();
          await page.getByRole('link', { name: 'Try again' }).waitFor();
          await audit(`sign-in cancelled at ${width} px`);
        }
        if (problems.length > 0) console.log(problems.join('\n'));
        assert.deepEqual(problems, []);
      });

      test('a one-time link signs the admin in to every batch; an ended session goes to sign-in and back to the batch', async (t) => {
        const { page } = await open(t);
        await page.goto(await service.signinLink(DEMO_ADMIN, '/'));
        assert.equal(await signedInAs(page), 'demo-admin');
        assert.deepEqual(await listedBatches(page), ['demo-batch-1', 'demo-batch-2', 'demo-batch-3']);
        await page.getByTestId('batch-demo-batch-2').click();
        await page.getByTestId('submit-progress-exhaust').waitFor();
        const heading = await page.locator('#batch-heading').textContent();

        // Reloaded after 30 idle minutes: sign-in at the provider, then this very batch again.
        service.t.clock.advance(IDLE);
        await page.reload();
        await signInAtProvider(page, 'demo-admin');
        await page.waitForURL(`${service.baseUrl}/#/batches/demo-batch-2`);
        await page.getByTestId('submit-progress-exhaust').waitFor();
        assert.equal(await page.locator('#batch-heading').textContent(), heading);
        assert.equal(await signedInAs(page), 'demo-admin');

        // Left open, then used: the refused call takes the page to sign-in (the provider remembers the
        // person: no form this time) and back to the batch; the request was not made.
        service.t.clock.advance(IDLE);
        const callback = page.waitForRequest((request) => request.url().startsWith(`${service.baseUrl}/signin/callback?`));
        await page.getByTestId('submit-response-exhaust').click();
        await callback;
        await page.waitForURL(`${service.baseUrl}/#/batches/demo-batch-2`);
        await page.getByTestId('submit-response-exhaust').waitFor();
        const requests = (await (await page.request.get('/ui/api/batches/demo-batch-2/requests')).json()).result.requests;
        assert.deepEqual(requests, [], 'the refused request was not made');

        // Signing out of a session that has already ended shows the signed-out page.
        service.t.clock.advance(IDLE);
        await page.getByTestId('signout').click();
        await page.waitForURL(signedOutPage);
        assert.equal(await page.locator('h1').textContent(), 'You have signed out');
      });
    });
  }
});
