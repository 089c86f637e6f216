import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectDatabase } from '../../src/db/connect.js';
import { secretOf } from '../../src/services.js';
import { allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

for (const dialect of dialects) {
  describe(`operations (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    before(async () => {
      database = await dialect.open();
      await allowChannels(database, ['chan-a']);
      t = await startTestApp(database);
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    test('/health checks the database', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/health' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().result.healthy, true);
      assert.deepEqual(res.json().result.checks, [{ name: 'database', healthy: true }]);
    });

    test('/metrics counts requests by route and status, and requests in the table by status', async () => {
      await t.app.inject({
        method: 'POST',
        url: '/dataset/v1/request/submit',
        headers: channelHeaders('chan-a'),
        payload: { request: { tag: 'm', dataset: 'progress-exhaust', datasetConfig: { batchId: 'b' } } },
      });
      await t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/m?limit=0', headers: channelHeaders('chan-a') });
      const res = await t.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /^text\/plain/);
      assert.match(res.body, /http_requests_total\{route="\/dataset\/v1\/request\/submit",method="POST",status="200"\} 1/);
      assert.match(res.body, /http_requests_total\{route="\/dataset\/v1\/request\/list\/:tag",method="GET",status="400"\} 1/);
      assert.match(res.body, /http_request_duration_seconds_bucket\{le="0\.005",route="\/dataset\/v1\/request\/submit",method="POST"\}/);
      assert.match(res.body, /exhaust_requests\{status="SUBMITTED"\} 1/);
      assert.match(res.body, /exhaust_requests\{status="FAILED"\} 0/);
    });

    test('/docs serves the OpenAPI of the routes, locally', async () => {
      const ui = await t.app.inject({ method: 'GET', url: '/docs' });
      assert.equal(ui.statusCode, 200);
      assert.match(ui.body, /swagger-ui/i);
      const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
      assert.equal(spec.openapi.startsWith('3.'), true);
      for (const path of ['/dataset/v1/request/submit', '/dataset/v1/request/read/{tag}', '/dataset/v1/request/list/{tag}', '/dataset/v1/request/search', '/dataset/v1/add', '/dataset/v1/list', '/health']) {
        assert.ok(spec.paths[path], `${path} is documented`);
      }
      const limit = spec.paths['/dataset/v1/request/list/{tag}'].get.parameters.find((p: { name: string }) => p.name === 'limit');
      assert.equal(limit.schema.maximum, 1000);
      // The user path's headers and answers are documented on every channel route.
      for (const [path, method] of [['/dataset/v1/request/submit', 'post'], ['/dataset/v1/request/read/{tag}', 'get'], ['/dataset/get/{datasetId}', 'get']] as const) {
        const operation = spec.paths[path][method];
        const headers = operation.parameters.filter((p: { in: string }) => p.in === 'header').map((p: { name: string }) => p.name);
        for (const name of ['x-channel-id', 'x-consumer-id', 'x-authenticated-user-token', 'x-authenticated-userid']) assert.ok(headers.includes(name), `${path}: ${name}`);
        for (const status of ['401', '403', '503']) assert.ok(operation.responses[status], `${path} answers ${status}`);
      }
    });

    test('an unknown route is a 404 envelope', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/no/such/route?x=1' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().responseCode, 'RESOURCE_NOT_FOUND');
      assert.equal(res.json().params.errmsg, 'no route GET /no/such/route');
    });

    test('secrets never reach the log', async () => {
      const key = 'TopSecret-Key-9f8e7d';
      await t.app.inject({
        method: 'POST',
        url: '/dataset/v1/request/submit',
        headers: channelHeaders('chan-a'),
        payload: { request: { tag: 'log', dataset: 'userinfo-exhaust', encryptionKey: key, datasetConfig: { batchId: 'b' } } },
      });
      // A refused submit with the key in it, and an admin call with the token.
      await t.app.inject({
        method: 'POST',
        url: '/dataset/v1/request/submit',
        headers: channelHeaders('chan-a'),
        payload: { request: { tag: 'log', dataset: 'nope', encryptionKey: key, datasetConfig: { batchId: 'b' } } },
      });
      await t.app.inject({ method: 'GET', url: '/dataset/v1/list', headers: { authorization: `Bearer ${t.config.adminToken}` } });
      t.services.logger.info({ request: { encryptionKey: key }, headers: { authorization: 'Bearer abc' } }, 'redaction check');
      const log = t.log();
      assert.match(log, /"path":"\/dataset\/v1\/request\/submit","status":200/, 'requests are logged');
      assert.match(log, /redaction check/);
      assert.ok(!log.includes(key), 'no encryption key in the log');
      assert.ok(!log.includes(t.config.adminToken!), 'no admin token in the log');
      assert.ok(!log.includes(secretOf(t.config)), 'no secret in the log');
    });
  });
}

const pgDialect = dialects.find((d) => d.name === 'postgres');
describe('a database outage (postgres)', { skip: pgDialect ? false : 'TEST_DATABASE_URL is not set' }, () => {
  test('gives 503 SERVICE_UNAVAILABLE, and the service recovers by itself', async () => {
    const schemaDb = await pgDialect!.open();
    const proxy = new TcpProxy(Number(new URL(process.env.TEST_DATABASE_URL!).port || 5432));
    await proxy.start();
    const url = new URL(schemaDb.settings.url);
    url.port = String(proxy.port);
    const viaProxy = connectDatabase({ dialect: 'postgres', url: url.toString() }, { poolSize: 4 });
    await allowChannels(schemaDb, ['chan-a']);
    const t = await startTestApp({ ...viaProxy, settings: { dialect: 'postgres', url: url.toString() }, drop: async () => {} });
    const submit = () =>
      t.app.inject({
        method: 'POST',
        url: '/dataset/v1/request/submit',
        headers: channelHeaders('chan-a'),
        payload: { request: { tag: 'outage', dataset: 'progress-exhaust', datasetConfig: { batchId: 'b' } } },
      });
    try {
      assert.equal((await submit()).statusCode, 200);
      await proxy.cut();
      const health = await t.app.inject({ method: 'GET', url: '/health' });
      assert.equal(health.statusCode, 503);
      assert.equal(health.json().responseCode, 'SERVICE_UNAVAILABLE');
      const down = await submit();
      assert.equal(down.statusCode, 503);
      assert.equal(down.json().responseCode, 'SERVICE_UNAVAILABLE');
      assert.equal(down.json().params.err, 'SERVICE_UNAVAILABLE');
      const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(metrics.statusCode, 200, 'metrics still answer');

      await proxy.start();
      assert.equal((await t.app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
      const back = await submit();
      assert.equal(back.statusCode, 200);
      assert.equal(back.json().result.tag, 'outage:chan-a');
    } finally {
      await t.close();
      await viaProxy.close();
      await proxy.cut();
      await schemaDb.drop();
    }
  });
});
