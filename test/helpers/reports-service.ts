// The reports page as a browser meets it: the real service listening on loopback over a fresh
// database, the first-run demo loaded, a worker building requests, optionally a real OpenID
// provider; and Debian's Chromium to drive it. Shared by test/browser/ and scripts/screenshot.ts.
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Person } from '../../src/auth/person.js';
import { loadDemoIfEmpty } from '../../src/demo/first-run.js';
import { createSigninLink, signinLinkUrl } from '../../src/sessions/signin-link.js';
import { Worker } from '../../src/worker/worker.js';
import { startTestApp, type TestApp } from './app.js';
import type { TestDatabase, TestDialect } from './databases.js';
import type { OidcProviderServer, ProviderAccount } from './oidc-provider.js';
import { freePort } from './ports.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const hasChromium = () => existsSync(CHROMIUM_PATH);

/** Debian's Chromium, headless, with nothing of its own reaching out (updates, QUIC probes, first-run pages). */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic'],
  });

/** A port free on 127.0.0.1 now (the service's URL must be known before it starts). */
/**
 * Keeps a context's traffic on loopback: any other request is aborted and recorded (the provider's
 * dev pages @import a web font; the reports page itself must never ask for anything outside).
 */
export async function keepOnLoopback(context: BrowserContext): Promise<string[]> {
  const outside: string[] = [];
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => {
      outside.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  return outside;
}

export interface ReportsService {
  /** http://127.0.0.1:<port>, also EXHAUST_PUBLIC_URL. */
  baseUrl: string;
  t: TestApp;
  database: TestDatabase;
  /** Present when started with provider accounts. */
  provider: OidcProviderServer | undefined;
  /** A one-time sign-in link for `person`, as `exhaust signin-link` prints it, with where to go after. */
  signinLink(person: Person, next?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startReportsService(dialect: TestDialect, options: { providerAccounts?: Record<string, ProviderAccount> } = {}): Promise<ReportsService> {
  const database = await dialect.open();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // Loaded only when asked for: oidc-provider warns on import (Node 20 is below its supported runtimes).
  const provider = options.providerAccounts
    ? await (await import('./oidc-provider.js')).startOidcProvider({ redirectUri: `${baseUrl}/signin/callback`, accounts: options.providerAccounts })
    : undefined;
  const t = await startTestApp(database, {
    EXHAUST_PUBLIC_URL: baseUrl,
    ...(provider
      ? {
          EXHAUST_OIDC_ISSUER: provider.issuer,
          EXHAUST_OIDC_CLIENT_ID: provider.clientId,
          EXHAUST_OIDC_CLIENT_SECRET: provider.clientSecret,
          // The access token is identified exactly as on the API's user path: a JWT checked against the provider's keys.
          EXHAUST_JWKS_URL: provider.jwksUri,
          EXHAUST_JWT_ISSUER: provider.issuer,
          EXHAUST_JWT_AUDIENCE: provider.audience,
        }
      : {}),
  });
  // The service's clock is the test's, set to now: the provider's tokens and the browser's times agree with it.
  t.clock.set(Date.now());
  await loadDemoIfEmpty(t.services);
  const worker = new Worker(t.services, { pollMs: 100 });
  worker.start();
  await t.app.listen({ port, host: '127.0.0.1' });
  return {
    baseUrl,
    t,
    database,
    provider,
    async signinLink(person, next) {
      const token = await createSigninLink(database.db, person, t.clock.now());
      return `${signinLinkUrl(baseUrl, token)}${next ? `&next=${encodeURIComponent(next)}` : ''}`;
    },
    async close() {
      await worker.stop();
      await t.close();
      await provider?.close();
      await database.drop();
    },
  };
}

/** The demo's people (src/demo/demo-records.ts): demo-mentor mentors demo-batch-1; demo-admin created every batch. */
export const DEMO_MENTOR: Person = { userId: 'demo-mentor', roles: ['COURSE_MENTOR'], rootOrg: { id: 'demo-channel' } };
export const DEMO_ADMIN: Person = { userId: 'demo-admin', roles: ['ORG_ADMIN'], rootOrg: { id: 'demo-channel' } };

/** The page has asked who is signed in and shows it. */
export async function signedInAs(page: Page): Promise<string> {
  await page.getByTestId('user-id').waitFor({ state: 'visible' });
  return (await page.getByTestId('user-id').textContent()) ?? '';
}
