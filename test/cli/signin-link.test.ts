// `exhaust signin-link`: a one-time link to the reports page, printed, never logged.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { databaseUrlOf, runExhaust } from '../helpers/cli.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

describe('exhaust signin-link', () => {
  let database: TestDatabase;
  let t: TestApp;
  let env: Record<string, string>;

  before(async () => {
    database = await dialects[0]!.open();
    t = await startTestApp(database);
    t.clock.set(Date.now());
    env = { DATABASE_URL: databaseUrlOf(database), EXHAUST_DATA_DIR: t.config.dataDir, EXHAUST_LOG_LEVEL: 'info', EXHAUST_PUBLIC_URL: 'https://reports.example.org' };
  });
  after(async () => {
    await t.close();
    await database.drop();
  });

  test('prints a link that signs the person in once; the log names the person, not the link', async () => {
    const res = await runExhaust(['signin-link', 'u-mentor', '--org', 'org-1', '--roles', 'COURSE_MENTOR,PUBLIC'], env);
    assert.equal(res.code, 0, res.stderr);
    const link = new URL(res.stdout.trim());
    assert.equal(link.origin, 'https://reports.example.org');
    assert.equal(link.pathname, '/signin/link');
    const token = link.searchParams.get('token')!;
    assert.ok(!res.stderr.includes(token), 'the token only in the printed link');
    assert.match(res.stderr, /"msg":"sign-in link issued"/);
    assert.match(res.stderr, /"userId":"u-mentor"/);
    const opened = await t.app.inject({ method: 'GET', url: link.pathname + link.search });
    assert.equal(opened.statusCode, 303);
    const cookie = String(opened.headers['set-cookie']).split(';')[0]!;
    const session = (await t.app.inject({ method: 'GET', url: '/ui/api/session', headers: { cookie } })).json().result;
    assert.deepEqual([session.userId, session.roles, session.org], ['u-mentor', ['COURSE_MENTOR', 'PUBLIC'], { id: 'org-1' }]);
    assert.equal((await t.app.inject({ method: 'GET', url: link.pathname + link.search })).statusCode, 403);
  });

  test('usage errors exit 2 with one line', async () => {
    for (const args of [['u-1'], ['u-1', '--org', 'org-1'], ['--org', 'org-1', '--roles', 'X'], ['u 1', '--org', 'o', '--roles', 'X'], ['u-1', '--org', 'o', '--roles', 'A B']]) {
      const res = await runExhaust(['signin-link', ...args], env);
      assert.equal(res.code, 2, args.join(' '));
      assert.match(res.stderr, /^exhaust: [^\n]+\n$/);
    }
  });
});
