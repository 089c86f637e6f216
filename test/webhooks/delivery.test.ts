// Delivery of completion webhooks: written with the status change (outbox), POSTed by the deliverer
// with a signature the receiver can verify, retried with backoff after a failure or a timeout, given
// up after a day, one POST per event id even with deliverers racing, never to a refused address.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { WebhookDeliverer } from '../../src/webhooks/deliverer.js';
import { adminHeaders, allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { testBuilders } from '../worker/helpers.js';
import { Worker } from '../../src/worker/worker.js';
import { type Receiver, startReceiver } from './receiver.js';

const KEY = 'zip-pass-never-in-a-webhook';

/** What a receiver does with the header: recompute the HMAC over `t.body` (independently of the service's code). */
function verify(secret: string, header: string, body: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  return createHmac('sha256', secret).update(`${match[1]}.${body}`).digest('hex') === match[2];
}

for (const dialect of dialects) {
  describe(`webhook delivery (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    let receiver: Receiver;
    let webhookId: string;
    let secret: string;
    const deliverer = (options: { allowPrivate?: boolean; batchSize?: number } = {}) =>
      new WebhookDeliverer({ ...t.services, config: { ...t.config, webhookAllowPrivate: options.allowPrivate ?? true } }, { pollMs: 60_000, batchSize: options.batchSize ?? 20 });
    const register = async (events: string[], channel = 'ch1', url = receiver.url) => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: adminHeaders, payload: { channel, url, events } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().result as { id: string; secret: string };
    };
    const submit = async (tag: string, channel = 'ch1') => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/dataset/v1/request/submit',
        headers: channelHeaders(channel),
        payload: { request: { tag, dataset: 'progress-exhaust', datasetConfig: { batchId: 'b1' }, requestedBy: 'mentor', encryptionKey: KEY } },
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().result.requestId as string;
    };
    const cancel = async (tag: string, requestId: string, channel = 'ch1') => {
      const res = await t.app.inject({ method: 'POST', url: `/dataset/v1/request/cancel/${tag}?requestId=${requestId}`, headers: channelHeaders(channel) });
      assert.equal(res.statusCode, 200, res.body);
    };
    const build = () =>
      new Worker({ ...t.services, builders: testBuilders(async function* () {
        yield { batchId: 'b1', columns: ['n'], rows: (async function* () { yield [[1], [2], [3]]; })() };
      }) }, { progressMs: 60_000, reapMs: 60_000 }).runOnce();
    const deliveries = () => database.db.selectFrom('webhook_delivery').selectAll().orderBy('event_id').execute();

    before(async () => {
      database = await dialect.open();
      t = await startTestApp(database, { EXHAUST_WEBHOOK_ALLOW_PRIVATE: '1', EXHAUST_WEBHOOK_TIMEOUT_SECONDS: '1' });
      await allowChannels(database, ['ch1', 'ch2']);
    });
    beforeEach(async () => {
      receiver = await startReceiver();
      ({ id: webhookId, secret } = await register(['request.succeeded', 'request.cancelled']));
    });
    afterEach(async () => {
      await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${webhookId}`, headers: adminHeaders });
      await receiver.close();
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    test('a SUCCESS is announced once, signed, with the request\'s public fields and never its key', async () => {
      const requestId = await submit('ok');
      assert.equal((await build())?.status, 'SUCCESS');
      const pending = await deliveries();
      assert.deepEqual(pending.map((d) => [d.webhook_id, d.state]), [[webhookId, 'pending']], 'written with the status change');

      assert.deepEqual(await deliverer().runOnce(), { delivered: 1, failed: 0, abandoned: 0 });
      assert.equal(receiver.received.length, 1);
      const [{ headers, body }] = receiver.received as [(typeof receiver.received)[0]];
      assert.ok(verify(secret, String(headers['x-exhaust-signature']), body), 'the receiver can verify the signature');
      assert.ok(!verify('whsec_other', String(headers['x-exhaust-signature']), body));
      assert.equal(headers['content-type'], 'application/json');
      const event = JSON.parse(body);
      assert.equal(headers['x-exhaust-event-id'], event.id);
      assert.match(event.id, /^evt_\d+$/);
      assert.equal(event.type, 'request.succeeded');
      assert.equal(event.createdAt, t.clock.now());
      assert.equal(event.data.request.requestId, requestId);
      assert.equal(event.data.request.status, 'SUCCESS');
      assert.deepEqual(event.data.request.progress, { batchesDone: 1, batchesTotal: 1, rows: 3 });
      assert.ok(!body.includes(KEY) && !('downloadUrls' in event.data.request) && !('encryptionKey' in event.data.request));
      assert.deepEqual((await deliveries()).map((d) => [d.state, d.attempts]), [['delivered', 1]]);
      assert.deepEqual(await deliverer().runOnce(), { delivered: 0, failed: 0, abandoned: 0 }, 'nothing sent twice');
    });

    test('a 500 is retried after the backoff with the same event id; a timeout too', async () => {
      const requestId = await submit('retry');
      await cancel('retry', requestId);
      receiver.script(500, 'hang');
      const d = deliverer();
      assert.deepEqual(await d.runOnce(), { delivered: 0, failed: 1, abandoned: 0 });
      assert.deepEqual(await d.runOnce(), { delivered: 0, failed: 0, abandoned: 0 }, 'not due before the backoff');
      t.clock.advance(10_000);
      assert.deepEqual(await d.runOnce(), { delivered: 0, failed: 1, abandoned: 0 }, 'no answer within the timeout');
      const [row] = await deliveries();
      assert.equal(row!.last_error, 'no answer within 1 s');
      t.clock.advance(19_999);
      assert.deepEqual(await d.runOnce(), { delivered: 0, failed: 0, abandoned: 0 }, 'the second wait is 20 s');
      t.clock.advance(1);
      assert.deepEqual(await d.runOnce(), { delivered: 1, failed: 0, abandoned: 0 });
      const ids = receiver.received.map((r) => r.headers['x-exhaust-event-id']);
      assert.equal(ids.length, 3);
      assert.equal(new Set(ids).size, 1, 'one event id across retries');
      assert.equal(JSON.parse(receiver.received[2]!.body).type, 'request.cancelled');
      const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /exhaust_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
      assert.match(metrics, /exhaust_webhook_deliveries_total\{outcome="failed"\} [2-9]/);
    });

    test('failing for a day, a delivery is given up', async () => {
      const requestId = await submit('dead-end');
      await cancel('dead-end', requestId);
      receiver.script(...Array<number>(40).fill(503));
      const d = deliverer();
      let rounds = 0;
      for (; rounds < 40; rounds++) {
        const round = await d.runOnce();
        if (round.abandoned === 1) break;
        t.clock.advance(3600_000);
      }
      const [row] = await deliveries();
      assert.equal(row!.state, 'abandoned');
      assert.equal(row!.last_error, 'the endpoint answered 503');
      assert.ok(row!.attempts >= 20 && row!.attempts <= 30, `${row!.attempts} attempts`);
      assert.equal(Number(row!.finished_at), t.clock.now());
      assert.ok(rounds > 20, `${rounds} rounds`);
    });

    test('only the events asked for, of the webhook\'s own channel; two deliverers racing send each event once', async () => {
      const other = await register(['request.cancelled'], 'ch2');
      const failedOnly = await register(['request.failed']);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const requestId = await submit(`race-${i}`);
        await cancel(`race-${i}`, requestId);
        ids.push(requestId);
      }
      // Small batches, so that both take some.
      const [a, b] = [deliverer({ batchSize: 3 }), deliverer({ batchSize: 3 })];
      const perDeliverer = [0, 0];
      for (let sent = -1; sent !== 0; ) {
        const rounds = await Promise.all([a.runOnce(), b.runOnce()]);
        rounds.forEach((r, i) => (perDeliverer[i]! += r.delivered));
        sent = rounds[0]!.delivered + rounds[1]!.delivered;
      }
      assert.equal(perDeliverer[0]! + perDeliverer[1]!, 12);
      assert.ok(perDeliverer.every((n) => n > 0), `both delivered: ${perDeliverer.join(' + ')}`);
      const eventIds = receiver.received.map((r) => r.headers['x-exhaust-event-id']);
      assert.equal(eventIds.length, 12);
      assert.equal(new Set(eventIds).size, 12, 'one POST per event id');
      assert.deepEqual(new Set(receiver.received.map((r) => JSON.parse(r.body).data.request.requestId)), new Set(ids));
      const byWebhook = await database.db.selectFrom('webhook_delivery').select('webhook_id').where('webhook_id', 'in', [other.id, failedOnly.id]).execute();
      assert.deepEqual(byWebhook, [], 'nothing for another channel, nothing for events not asked for');
      for (const id of [other.id, failedOnly.id]) await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: adminHeaders });
    });

    test('a webhook removed takes its pending deliveries with it', async () => {
      const requestId = await submit('removed');
      await cancel('removed', requestId);
      assert.equal((await deliveries()).filter((d) => d.state === 'pending').length, 1);
      await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${webhookId}`, headers: adminHeaders });
      assert.deepEqual(await deliveries().then((rows) => rows.filter((d) => d.state === 'pending')), []);
      assert.deepEqual(await deliverer().runOnce(), { delivered: 0, failed: 0, abandoned: 0 });
    });

    test('a secret that cannot be opened (sealed under another EXHAUST_SECRET) is a failed attempt, not a stuck delivery', async () => {
      const requestId = await submit('resealed');
      await cancel('resealed', requestId);
      await database.db.updateTable('webhook').set({ secret: 'v1:AAAA:AAAA:AAAA' }).where('id', '=', webhookId).execute();
      assert.deepEqual(await deliverer().runOnce(), { delivered: 0, failed: 1, abandoned: 0 });
      const [row] = (await deliveries()).filter((d) => d.webhook_id === webhookId);
      assert.deepEqual([row!.state, row!.claim_owner], ['pending', null]);
      assert.match(row!.last_error!, /^not attempted: /);
      assert.equal(receiver.received.length, 0);
    });

    test('without EXHAUST_WEBHOOK_ALLOW_PRIVATE a delivery to a loopback endpoint is refused and given up at once', async () => {
      const requestId = await submit('inside');
      await cancel('inside', requestId);
      assert.deepEqual(await deliverer({ allowPrivate: false }).runOnce(), { delivered: 0, failed: 0, abandoned: 1 });
      assert.equal(receiver.received.length, 0, 'nothing was sent');
      const [row] = (await deliveries()).filter((d) => d.webhook_id === webhookId);
      assert.match(row!.last_error!, /127\.0\.0\.1 is a loopback, private or link-local address/);
    });

    test('a host name is checked on the address it resolves to when the delivery connects', async () => {
      const byName = await register(['request.cancelled'], 'ch2', receiver.url.replace('127.0.0.1', 'localhost'));
      const requestId = await submit('by-name', 'ch2');
      await cancel('by-name', requestId, 'ch2');
      assert.deepEqual(await deliverer({ allowPrivate: false }).runOnce(), { delivered: 0, failed: 0, abandoned: 1 });
      assert.equal(receiver.received.length, 0, 'no connection was made');
      const [row] = (await deliveries()).filter((d) => d.webhook_id === byName.id);
      assert.match(row!.last_error!, /^url: localhost is a loopback, private or link-local address \((127\.0\.0\.1|::1)\)/);
      await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${byName.id}`, headers: adminHeaders });
    });
  });
}
