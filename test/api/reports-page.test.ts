// The reports page's server side: one-time sign-in links, the session cookie (lifetimes, CSRF),
// and the JSON API the page calls, held to the same roles and batch entitlement as the API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSigninLink } from '../../src/sessions/signin-link.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { insertBatch, insertCollection, insertEnrolment, insertUser } from '../helpers/collection-records.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

const ORG = 'org-1';

for (const dialect of dialects) {
  describe(`reports page: sign-in, session and its API (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;

    /** Signs in through a fresh one-time link; the session's cookie and CSRF token. */
    const signIn = async (userId: string, roles: string[], org = ORG) => {
      const token = await createSigninLink(database.db, { userId, roles, rootOrg: { id: org } }, t.clock.now());
      const opened = await t.app.inject({ method: 'GET', url: `/signin/link?token=${token}&next=%2F%23%2Fbatches%2Fb-1` });
      assert.equal(opened.statusCode, 303);
      assert.equal(opened.headers.location, '/#/batches/b-1');
      const setCookie = String(opened.headers['set-cookie']);
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Lax/);
      const cookie = setCookie.split(';')[0]!;
      const session = await t.app.inject({ method: 'GET', url: '/ui/api/session', headers: { cookie } });
      return { cookie, csrf: session.json().result.csrfToken as string, token };
    };
    const api = (method: 'GET' | 'POST', url: string, who: { cookie: string; csrf?: string }, payload?: object) =>
      t.app.inject({ method, url, headers: { cookie: who.cookie, ...(who.csrf ? { 'x-csrf-token': who.csrf } : {}) }, ...(payload ? { payload } : {}) });

    before(async () => {
      database = await dialect.open();
      t = await startTestApp(database);
      await insertCollection(database.db, { id: 'c-1', name: 'Algebra', channel: ORG });
      await insertCollection(database.db, { id: 'c-9', name: 'Elsewhere', channel: 'org-9' });
      await insertBatch(database.db, { id: 'b-1', collection_id: 'c-1', name: 'Morning', mentors: JSON.stringify(['u-mentor']) });
      await insertBatch(database.db, { id: 'b-2', collection_id: 'c-1', name: 'Evening', created_by: 'u-admin' });
      await insertBatch(database.db, { id: 'b-9', collection_id: 'c-9', name: 'Theirs' });
      for (const id of ['l-1', 'l-2']) {
        await insertUser(database.db, { id, root_org_id: ORG });
        await insertEnrolment(database.db, { user_id: id, batch_id: 'b-1', collection_id: 'c-1' });
      }
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    test('a sign-in link opens one session, once, within 15 minutes', async () => {
      const { token } = await signIn('u-admin', ['ORG_ADMIN']);
      const again = await t.app.inject({ method: 'GET', url: `/signin/link?token=${token}` });
      assert.equal(again.statusCode, 403);
      assert.match(again.body, /This sign-in link does not work/);
      const late = await createSigninLink(database.db, { userId: 'u-admin', roles: ['ORG_ADMIN'], rootOrg: { id: ORG } }, t.clock.now() - 16 * 60_000);
      assert.equal((await t.app.inject({ method: 'GET', url: `/signin/link?token=${late}` })).statusCode, 403);
      assert.equal((await t.app.inject({ method: 'GET', url: '/signin/link?token=not-a-token' })).statusCode, 403);
      assert.ok(!t.log().includes(token), 'the link never reaches the log');
    });

    test('after sign-in, only a path of this site: another host is never a destination', async () => {
      const token = await createSigninLink(database.db, { userId: 'u-admin', roles: ['ORG_ADMIN'], rootOrg: { id: ORG } }, t.clock.now());
      const opened = await t.app.inject({ method: 'GET', url: `/signin/link?token=${token}&next=${encodeURIComponent('//evil.example/x')}` });
      assert.equal(opened.headers.location, '/');
    });

    test('the page needs a session; without one it sends the person to sign-in and back', async () => {
      const page = await t.app.inject({ method: 'GET', url: '/' });
      assert.equal(page.statusCode, 303);
      assert.equal(page.headers.location, '/signin?next=%2F');
      const signin = await t.app.inject({ method: 'GET', url: '/signin?next=%2F' });
      assert.equal(signin.statusCode, 200);
      assert.match(signin.body, /signin-link/);
      const { cookie } = await signIn('u-admin', ['ORG_ADMIN']);
      const shown = await t.app.inject({ method: 'GET', url: '/', headers: { cookie } });
      assert.equal(shown.statusCode, 200);
      assert.match(String(shown.headers['content-type']), /text\/html/);
      assert.match(String(shown.headers['content-security-policy']), /script-src 'self'/);
      for (const asset of ['app.js', 'app.css']) assert.equal((await t.app.inject({ method: 'GET', url: `/ui/assets/${asset}` })).statusCode, 200);
    });

    test('the API answers 401 without a session, with a forged one, and once idle or too old', async () => {
      assert.equal((await t.app.inject({ method: 'GET', url: '/ui/api/batches' })).statusCode, 401);
      assert.equal((await t.app.inject({ method: 'GET', url: '/ui/api/batches', headers: { cookie: 'exhaust_session=v1:AAAA:BBBB:CCCC' } })).statusCode, 401);
      const who = await signIn('u-admin', ['ORG_ADMIN']);
      t.clock.advance(29 * 60_000);
      assert.equal((await api('GET', '/ui/api/batches', who)).statusCode, 200, 'within the idle lifetime');
      t.clock.advance(31 * 60_000);
      const idle = await api('GET', '/ui/api/batches', who);
      assert.equal(idle.statusCode, 401);
      assert.equal(idle.json().params.errmsg, 'Your session has ended; sign in again.');
      // Busy all along, the session still ends 12 hours after sign-in.
      let busy = await signIn('u-admin', ['ORG_ADMIN']);
      // A call every 20 minutes slides the idle lifetime (30 minutes) for 11 h 40 min...
      for (let call = 1; call < 36; call++) {
        t.clock.advance(20 * 60_000);
        const res = await api('GET', '/ui/api/batches', busy);
        assert.equal(res.statusCode, 200, `call ${call}, ${call * 20} minutes after sign-in`);
        assert.ok(res.headers['set-cookie'], 'a renewed session cookie');
        busy = { ...busy, cookie: String(res.headers['set-cookie']).split(';')[0]! };
      }
      // ...but not past 12 hours after sign-in.
      t.clock.advance(20 * 60_000 + 1);
      assert.equal((await api('GET', '/ui/api/batches', busy)).statusCode, 401);
    });

    test('batches: an admin sees the organisation\'s, a mentor only theirs; search by name', async () => {
      const admin = await signIn('u-admin', ['ORG_ADMIN']);
      const all = (await api('GET', '/ui/api/batches', admin)).json().result.batches;
      assert.deepEqual(all.map((b: { id: string }) => b.id), ['b-2', 'b-1']);
      assert.deepEqual(all.find((b: { id: string }) => b.id === 'b-1'), { id: 'b-1', name: 'Morning', collectionId: 'c-1', collectionName: 'Algebra', learners: 2, startDate: null, endDate: null });
      assert.deepEqual((await api('GET', '/ui/api/batches?q=MORN', admin)).json().result.batches.map((b: { id: string }) => b.id), ['b-1']);
      assert.deepEqual((await api('GET', '/ui/api/batches?q=100%25', admin)).json().result.batches, []);
      const mentor = await signIn('u-mentor', ['COURSE_MENTOR']);
      assert.deepEqual((await api('GET', '/ui/api/batches', mentor)).json().result.batches.map((b: { id: string }) => b.id), ['b-1']);
      const creator = await signIn('u-admin', ['COURSE_MENTOR']);
      assert.deepEqual((await api('GET', '/ui/api/batches', creator)).json().result.batches.map((b: { id: string }) => b.id), ['b-2'], 'createdBy');
      const nobody = await signIn('u-public', ['PUBLIC']);
      assert.equal((await api('GET', '/ui/api/batches', nobody)).statusCode, 403);
    });

    test('report types are those the person may request', async () => {
      const admin = await signIn('u-admin', ['REPORT_ADMIN']);
      const reports = (await api('GET', '/ui/api/batches/b-1/reports', admin)).json().result.reports;
      assert.deepEqual(reports.map((r: { dataset: string }) => r.dataset).sort(), ['progress-exhaust', 'response-exhaust', 'userinfo-exhaust']);
      assert.ok(reports.every((r: { title: string; holds: string; refusedWhen: string }) => r.title && r.holds && r.refusedWhen));
      // userinfo-exhaust names its roles (ORG_ADMIN, REPORT_ADMIN, COURSE_MENTOR): a content creator may not ask for it.
      const creator = await signIn('u-admin', ['CONTENT_CREATOR']);
      assert.deepEqual((await api('GET', '/ui/api/batches/b-2/reports', creator)).json().result.reports.map((r: { dataset: string }) => r.dataset).sort(), [
        'progress-exhaust',
        'response-exhaust',
      ]);
    });

    test('submit needs the CSRF token; the same ask again shows the same request; read gives fresh links', async () => {
      const mentor = await signIn('u-mentor', ['COURSE_MENTOR']);
      const body = { dataset: 'progress-exhaust', encryptionKey: 'a-strong-passphrase' };
      const forged = await api('POST', '/ui/api/batches/b-1/requests', { cookie: mentor.cookie }, body);
      assert.equal(forged.statusCode, 403);
      const first = await api('POST', '/ui/api/batches/b-1/requests', mentor, body);
      assert.equal(first.statusCode, 200, first.body);
      const job = first.json().result;
      assert.equal(job.tag, `c-1_b-1:${ORG}`, 'tagged as Sunbird\'s portal tags');
      assert.equal(job.requestedBy, 'u-mentor');
      const second = await api('POST', '/ui/api/batches/b-1/requests', mentor, body);
      assert.equal(second.json().result.requestId, job.requestId);
      const listed = (await api('GET', '/ui/api/batches/b-1/requests', mentor)).json().result.requests;
      assert.deepEqual(listed.map((r: { requestId: string }) => r.requestId), [job.requestId]);
      const links = await api('POST', `/ui/api/batches/b-1/requests/${job.requestId}/links`, mentor, {});
      assert.equal(links.statusCode, 200);
      assert.deepEqual(links.json().result, { urls: [], expiresAt: 0 }, 'not built yet: no links');
    });

    test('a mentor cannot request, read or list a batch they do not mentor, even by a crafted call', async () => {
      const mentor = await signIn('u-mentor', ['COURSE_MENTOR']);
      const body = { dataset: 'progress-exhaust', encryptionKey: 'a-strong-passphrase' };
      for (const batchId of ['b-2', 'b-9']) {
        const res = await api('POST', `/ui/api/batches/${batchId}/requests`, mentor, body);
        assert.equal(res.statusCode, 404, res.body);
        assert.equal(res.json().params.errmsg, 'There is no such batch among yours.');
        assert.equal((await api('GET', `/ui/api/batches/${batchId}/requests`, mentor)).statusCode, 404);
      }
      const admin = await signIn('u-admin', ['ORG_ADMIN']);
      assert.equal((await api('POST', '/ui/api/batches/b-9/requests', admin, body)).statusCode, 404, 'another organisation\'s batch');
    });

    test('sign-out is a form post with the CSRF token; it ends the session', async () => {
      const who = await signIn('u-admin', ['ORG_ADMIN']);
      const form = (fields: string) => t.app.inject({ method: 'POST', url: '/signout', headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: fields });
      assert.equal((await form('')).statusCode, 403, 'no token');
      assert.equal((await form('_csrf=wrong')).statusCode, 403);
      const out = await form(`_csrf=${who.csrf}`);
      assert.equal(out.statusCode, 303);
      assert.equal(out.headers.location, '/signin?signedout=1');
      assert.match(String(out.headers['set-cookie']), /^exhaust_session=; .*Max-Age=0/);
      const page = await t.app.inject({ method: 'GET', url: '/signin?signedout=1' });
      assert.match(page.body, /signed out/i);
      // Set into the shared layout: its head and header, no marker left.
      assert.match(page.body, /<head>[^]*<title>Signed out — data-exhaust reports<\/title>[^]*<\/head>/);
      assert.match(page.body, /<link rel="stylesheet" href="\/ui\/assets\/app.css">[^]*<header class="site-header">[^]*<h1>You have signed out<\/h1>[^]*<\/main>\s*<\/body>/);
      assert.doesNotMatch(page.body, /<!-- (head|main) -->/);
      // From a tab whose session has already ended: the signed-out page, not sign-in and then a GET /signout.
      const late = await t.app.inject({ method: 'POST', url: '/signout', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '_csrf=whatever' });
      assert.equal(late.statusCode, 303);
      assert.equal(late.headers.location, '/signin?signedout=1');
    });
  });
}
