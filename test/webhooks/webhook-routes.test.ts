// POST/GET/DELETE /v1/webhooks (admin): the secret is shown once and stored sealed; bad input is a
// 400 naming the field; endpoints inside the service's network are refused (SSRF) unless allowed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

for (const dialect of dialects) {
  describe(`webhook registration (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    const register = (payload: Record<string, unknown>, headers: Record<string, string> = adminHeaders) => t.app.inject({ method: 'POST', url: '/v1/webhooks', headers, payload });
    const list = async (query = '') => (await t.app.inject({ method: 'GET', url: `/v1/webhooks${query}`, headers: adminHeaders })).json().result;

    before(async () => {
      database = await dialect.open();
      t = await startTestApp(database);
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    test('registers, lists without the secret, deletes', async () => {
      // A public address literal: accepted without a DNS query.
      const res = await register({ channel: 'ch1', url: 'https://203.0.113.10/hooks', events: ['request.succeeded', 'request.failed'] });
      assert.equal(res.statusCode, 200, res.body);
      const { id, secret, ...rest } = res.json().result;
      assert.match(id, /^wh_[0-9a-f]{24}$/);
      assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
      assert.deepEqual({ ...rest, createdOn: undefined }, { channel: 'ch1', url: 'https://203.0.113.10/hooks', events: ['request.succeeded', 'request.failed'], createdOn: undefined });
      const stored = await database.db.selectFrom('webhook').select('secret').where('id', '=', id).executeTakeFirstOrThrow();
      assert.ok(!stored.secret.includes(secret.slice(6)), 'stored sealed, not as given');

      await register({ channel: 'ch2', url: 'http://203.0.113.11/', events: ['request.expired'] });
      const listed = await list('?channel=ch1');
      assert.equal(listed.count, 1);
      assert.deepEqual(Object.keys(listed.webhooks[0]).sort(), ['channel', 'createdOn', 'events', 'id', 'url']);
      assert.equal((await list()).count, 2);
      assert.ok(!JSON.stringify(await list()).includes('whsec_'));

      const removed = await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: adminHeaders });
      assert.equal(removed.statusCode, 200);
      assert.equal((await list('?channel=ch1')).count, 0);
      const again = await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: adminHeaders });
      assert.equal(again.statusCode, 404);
    });

    test('admin only', async () => {
      const res = await register({ channel: 'ch1', url: 'https://203.0.113.10/', events: ['request.failed'] }, {});
      assert.equal(res.statusCode, 403);
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/webhooks' })).statusCode, 403);
      assert.equal((await t.app.inject({ method: 'DELETE', url: '/v1/webhooks/wh_000000000000000000000000' })).statusCode, 403);
    });

    const bad: Array<[string, Record<string, unknown>, RegExp]> = [
      ['no events', { channel: 'ch1', url: 'https://203.0.113.10/', events: [] }, /events/],
      ['an unknown event', { channel: 'ch1', url: 'https://203.0.113.10/', events: ['request.started'] }, /events/],
      ['a channel with a colon', { channel: 'a:b', url: 'https://203.0.113.10/', events: ['request.failed'] }, /channel/],
      ['no url', { channel: 'ch1', events: ['request.failed'] }, /url/],
      ['not a URL', { channel: 'ch1', url: 'hooks here', events: ['request.failed'] }, /url is not a valid URL/],
      ['ftp', { channel: 'ch1', url: 'ftp://203.0.113.10/x', events: ['request.failed'] }, /url must be http or https/],
      ['credentials', { channel: 'ch1', url: 'https://me:pw@203.0.113.10/', events: ['request.failed'] }, /url must not carry credentials/],
    ];
    for (const [name, payload, message] of bad) {
      test(`${name} is a 400 naming the field`, async () => {
        const res = await register(payload);
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().params.errmsg, message);
      });
    }

    for (const url of [
      'http://127.0.0.1:9/x',
      'http://localhost:8080/',
      'http://[::1]/',
      'http://10.1.2.3/',
      'http://172.20.0.1/',
      'http://192.168.0.10/',
      'http://169.254.169.254/latest/meta-data',
      'http://[::ffff:127.0.0.1]/',
      'http://[fd00::1]/',
      'http://0.0.0.0/',
      'http://2130706433/',
    ]) {
      test(`${url} is refused: inside the service's network`, async () => {
        const res = await register({ channel: 'ch1', url, events: ['request.failed'] });
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().params.errmsg, /loopback, private or link-local .*EXHAUST_WEBHOOK_ALLOW_PRIVATE=1/);
      });
    }

    test('EXHAUST_WEBHOOK_ALLOW_PRIVATE=1 lets a loopback endpoint through', async () => {
      const open = await startTestApp(database, { EXHAUST_WEBHOOK_ALLOW_PRIVATE: '1' });
      try {
        const res = await open.app.inject({ method: 'POST', url: '/v1/webhooks', headers: adminHeaders, payload: { channel: 'ch1', url: 'http://127.0.0.1:9/x', events: ['request.failed'] } });
        assert.equal(res.statusCode, 200, res.body);
      } finally {
        await open.close();
      }
    });
  });
}
