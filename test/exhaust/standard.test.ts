import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

/** The path and query of a URL, as a client would request it. */
const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

for (const dialect of dialects) {
  describe(`GET /dataset/get/:datasetId — standard exhaust (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    const content = (key: string) => Buffer.from(`contents of ${key}\n`);
    const put = (key: string, container = t.config.container) => t.services.store.put(container, key, Readable.from([content(key)]));

    before(async () => {
      database = await dialect.open();
      await allowChannels(database, ['chan-a', 'chan-b']);
      t = await startTestApp(database);
      // Sunday 2024-03-10, 10:00 UTC.
      t.clock.set('2024-03-10T10:00:00Z');
      for (const key of [
        'data-exhaust/summary-rollup/chan-a/2024-03-01.csv',
        'data-exhaust/summary-rollup/chan-a/2024-03-08.csv',
        'data-exhaust/summary-rollup/chan-a/2024-03-09-0.json.gz',
        'data-exhaust/summary-rollup/chan-a/2024-03-09-1.json.gz',
        'data-exhaust/summary-rollup/chan-a/2024-03-10.csv',
        'data-exhaust/summary-rollup/chan-b/2024-03-09.csv',
        'data-exhaust/summary-rollup/chan-b/2024-03-10.csv',
        'data-exhaust/raw/chan-a/2024-03-10.json.gz',
        // Not a date of any window below, nor a key under a window's prefix.
        'data-exhaust/summary-rollup/chan-a/notes.txt',
      ]) {
        await put(key);
      }
      // The same names in the public container are not the standard exhaust.
      await put('data-exhaust/summary-rollup/chan-a/2024-03-07.csv', t.config.publicContainer);
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    const get = (url: string, channel = 'chan-a') => t.app.inject({ method: 'GET', url, headers: channelHeaders(channel) });
    const errmsg = async (url: string, channel = 'chan-a') => {
      const res = await get(url, channel);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().responseCode, 'CLIENT_ERROR');
      assert.equal(res.json().id, 'org.ekstep.analytics.telemetry');
      return res.json().params.errmsg;
    };
    const keysOf = (urls: string[]) => urls.map((u) => decodeURIComponent(new URL(u).pathname.replace(`/download/${t.config.container}/`, '')));

    test('default window (yesterday … today): signed links grouped by date, several parts a day', async () => {
      const res = await get('/dataset/get/summary-rollup');
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.id, 'org.ekstep.analytics.telemetry');
      assert.equal(body.responseCode, 'OK');
      assert.equal(body.params.status, 'successful');
      assert.deepEqual(keysOf(body.result.files), [
        'data-exhaust/summary-rollup/chan-a/2024-03-09-0.json.gz',
        'data-exhaust/summary-rollup/chan-a/2024-03-09-1.json.gz',
        'data-exhaust/summary-rollup/chan-a/2024-03-10.csv',
      ]);
      assert.deepEqual(Object.keys(body.result.periodWiseFiles), ['2024-03-09', '2024-03-10']);
      assert.deepEqual(keysOf(body.result.periodWiseFiles['2024-03-09']), [
        'data-exhaust/summary-rollup/chan-a/2024-03-09-0.json.gz',
        'data-exhaust/summary-rollup/chan-a/2024-03-09-1.json.gz',
      ]);
      assert.deepEqual(body.result.periodWiseFiles['2024-03-10'], [body.result.files[2]]);
      assert.equal(body.result.expiresAt, t.clock.now() + t.config.urlTtlMinutes * 60_000);
    });

    test('the links are signed until expiresAt and download the stored bytes', async () => {
      const { files, expiresAt } = (await get('/dataset/get/summary-rollup?from=2024-03-08&to=2024-03-10')).json().result;
      assert.equal(files.length, 4);
      for (const url of files as string[]) {
        const u = new URL(url);
        assert.equal(u.searchParams.get('expires'), String(Math.floor(expiresAt / 1000)));
        assert.ok(u.searchParams.get('signature'));
        const res = await t.app.inject({ method: 'GET', url: pathOf(url) });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.rawPayload, content(keysOf([url])[0]!));
      }
      // Past expiresAt the same link is refused.
      const saved = t.clock.now();
      t.clock.set(expiresAt + 1000);
      const late = await t.app.inject({ method: 'GET', url: pathOf(files[0]) });
      assert.equal(late.statusCode, 403);
      assert.equal(late.json().params.errmsg, 'download link has expired');
      t.clock.set(saved);
    });

    test('a channel never lists another channel\'s files', async () => {
      const b = (await get('/dataset/get/summary-rollup?from=2024-03-01&to=2024-03-10', 'chan-b')).json().result;
      assert.deepEqual(keysOf(b.files), ['data-exhaust/summary-rollup/chan-b/2024-03-09.csv', 'data-exhaust/summary-rollup/chan-b/2024-03-10.csv']);
      const a = (await get('/dataset/get/summary-rollup?from=2024-03-01&to=2024-03-10', 'chan-a')).json().result;
      assert.equal(a.files.length, 5);
      assert.ok(keysOf(a.files).every((k) => k.startsWith('data-exhaust/summary-rollup/chan-a/')));
    });

    test('one dataset never lists another\'s; the public container is not listed', async () => {
      const raw = (await get('/dataset/get/raw?from=2024-03-01')).json().result;
      assert.deepEqual(keysOf(raw.files), ['data-exhaust/raw/chan-a/2024-03-10.json.gz']);
      const day = (await get('/dataset/get/summary-rollup?from=2024-03-07&to=2024-03-07')).json().result;
      assert.deepEqual(day, { files: [], periodWiseFiles: {}, expiresAt: 0 });
    });

    test('from/to, and since winning over from', async () => {
      const range = (await get('/dataset/get/summary-rollup?from=2024-03-01&to=2024-03-08')).json().result;
      assert.deepEqual(Object.keys(range.periodWiseFiles), ['2024-03-01', '2024-03-08']);
      const since = (await get('/dataset/get/summary-rollup?from=2024-03-01&since=2024-03-08&to=2024-03-08')).json().result;
      assert.deepEqual(Object.keys(since.periodWiseFiles), ['2024-03-08']);
    });

    test('a window across a month end lists both months, and no day of them outside the window', async () => {
      await put('data-exhaust/summary-rollup/chan-a/2024-02-27.csv');
      await put('data-exhaust/summary-rollup/chan-a/2024-02-29.csv');
      const result = (await get('/dataset/get/summary-rollup?from=2024-02-28&to=2024-03-01')).json().result;
      assert.deepEqual(keysOf(result.files), ['data-exhaust/summary-rollup/chan-a/2024-02-29.csv', 'data-exhaust/summary-rollup/chan-a/2024-03-01.csv']);
      assert.deepEqual(Object.keys(result.periodWiseFiles), ['2024-02-29', '2024-03-01']);
    });

    test('the same handler under /data/v3', async () => {
      const direct = (await get('/dataset/get/summary-rollup?from=2024-03-08')).json().result;
      const res = await get('/data/v3/dataset/get/summary-rollup?from=2024-03-08');
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().id, 'org.ekstep.analytics.telemetry');
      assert.deepEqual(keysOf(res.json().result.files), keysOf(direct.files));
      assert.equal(await errmsg('/data/v3/dataset/get/summary-rollup?to=2024-03-11'), "'to' should be LESSER OR EQUAL TO today's date..");
    });

    test('nothing found: empty lists and expiresAt 0', async () => {
      const res = await get('/dataset/get/summary?from=2024-03-01&to=2024-03-10');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json().result, { files: [], periodWiseFiles: {}, expiresAt: 0 });
    });

    test('every message, in order', async () => {
      assert.equal(await errmsg('/dataset/get/summary-rollup?from=2024-3-1'), 'from must be a date in yyyy-MM-dd');
      assert.equal(await errmsg('/dataset/get/summary-rollup?to=2024-02-30'), 'to must be a date in yyyy-MM-dd');
      assert.equal(await errmsg('/dataset/get/summary-rollup?since=last-week'), 'since must be a date in yyyy-MM-dd');
      // Format first: a bad `from` beside a future `to`.
      assert.equal(await errmsg('/dataset/get/summary-rollup?from=x&to=2099-01-01'), 'from must be a date in yyyy-MM-dd');
      // Then a future `to`, even with a negative, too long range.
      assert.equal(await errmsg('/dataset/get/summary-rollup?from=2099-01-01&to=2024-03-11'), "'to' should be LESSER OR EQUAL TO today's date..");
      assert.equal(await errmsg('/dataset/get/summary-rollup?from=2020-01-01&to=2024-03-11'), "'to' should be LESSER OR EQUAL TO today's date..");
      // Then a negative range (the default from is yesterday).
      assert.equal(await errmsg('/dataset/get/summary-rollup?from=2024-03-05&to=2024-03-04'), "Date range should not be -ve. Please check your 'from' & 'to'");
      assert.equal(await errmsg('/dataset/get/summary-rollup?to=2024-03-08'), "Date range should not be -ve. Please check your 'from' & 'to'");
      // Then too long: to − from ≤ 10 days.
      assert.equal((await get('/dataset/get/summary-rollup?from=2024-02-29&to=2024-03-10')).statusCode, 200);
      assert.equal(await errmsg('/dataset/get/summary-rollup?from=2024-02-28&to=2024-03-10'), 'Date range should be < 10 days');
      // No age limit on the standard exhaust.
      assert.equal((await get('/dataset/get/summary-rollup?from=2019-01-01&to=2019-01-02')).statusCode, 200);
    });

    test('unknown dataset → 400 listing the valid ones; ids with other characters never reach storage', async () => {
      assert.equal(
        await errmsg('/dataset/get/public-summary-rollup'),
        'Provided dataset is invalid. Please use any one from this list - [raw, summary, summary-rollup, summary-channel-exhaust]',
      );
      // The dataset is checked before the dates.
      assert.match(await errmsg('/dataset/get/nope?from=bad'), /^Provided dataset is invalid/);
      assert.match(await errmsg('/dataset/get/a%2F..%2Fb'), /^datasetId must contain only/);
      assert.match(await errmsg('/dataset/get/...'), /^Provided dataset is invalid/);
      // Over-long ids are refused by the router itself (its parameter length limit), still as an envelope.
      const long = await get(`/dataset/get/${'x'.repeat(201)}`);
      assert.equal(long.statusCode, 400);
      assert.equal(long.json().responseCode, 'CLIENT_ERROR');
    });

    test('documented at /docs with their parameters', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
      assert.equal(res.statusCode, 200);
      const paths = res.json().paths;
      for (const path of ['/dataset/get/{datasetId}', '/data/v3/dataset/get/{datasetId}', '/public/dataset/get/{datasetId}', '/data/v3/public/dataset/get/{datasetId}']) {
        assert.ok(paths[path]?.get, path);
      }
      const names = paths['/public/dataset/get/{datasetId}'].get.parameters.map((p: { name: string }) => p.name).sort();
      assert.deepEqual(names, ['datasetId', 'date', 'date_range', 'from', 'since', 'to']);
      assert.ok(paths['/v1/exhaust/publish']?.post);
    });

    test('channel authorization comes first', async () => {
      for (const prefix of ['', '/data/v3']) {
        const missing = await t.app.inject({ method: 'GET', url: `${prefix}/dataset/get/nope?from=bad` });
        assert.equal(missing.statusCode, 403);
        assert.equal(missing.json().params.errmsg, 'X-Channel-ID is missing in request header');
      }
      const unmapped = await get('/dataset/get/summary-rollup', 'chan-c');
      assert.equal(unmapped.statusCode, 403);
      assert.equal(unmapped.json().params.errmsg, "Given X-Consumer-ID='consumer-1' and X-Channel-ID='chan-c' are not authorized");
      assert.equal(unmapped.json().id, 'org.ekstep.analytics.telemetry');
    });
  });

  describe(`standard exhaust: configuration and time zone (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;

    before(async () => {
      database = await dialect.open();
      await allowChannels(database, ['chan-a']);
      t = await startTestApp(database, {
        EXHAUST_TZ: 'Asia/Kolkata',
        EXHAUST_STANDARD_DATASETS: 'telemetry, summary',
        EXHAUST_STANDARD_MAX_DAYS: '3',
        EXHAUST_URL_TTL_MINUTES: '5',
      });
      for (const d of ['2024-03-09', '2024-03-10']) {
        await t.services.store.put(t.config.container, `data-exhaust/telemetry/chan-a/${d}.csv`, Readable.from([Buffer.from(d)]));
      }
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: channelHeaders('chan-a') });

    test('"today" is the date in EXHAUST_TZ, just before and just after midnight there', async () => {
      // 23:59:59 in Kolkata on 2024-03-09 (UTC+05:30): 2024-03-10 is still tomorrow.
      t.clock.set('2024-03-09T18:29:59Z');
      let res = await get('/dataset/get/telemetry?to=2024-03-10');
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().params.errmsg, "'to' should be LESSER OR EQUAL TO today's date..");
      res = await get('/dataset/get/telemetry');
      assert.deepEqual(Object.keys(res.json().result.periodWiseFiles), ['2024-03-09']);
      // One second later it is 2024-03-10 in Kolkata (still 2024-03-09 in UTC).
      t.clock.set('2024-03-09T18:30:00Z');
      res = await get('/dataset/get/telemetry');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(Object.keys(res.json().result.periodWiseFiles), ['2024-03-09', '2024-03-10']);
      assert.equal(res.json().result.expiresAt, t.clock.now() + 5 * 60_000);
    });

    test('datasets and the longest range come from the configuration', async () => {
      t.clock.set('2024-03-10T12:00:00Z');
      const res = await get('/dataset/get/raw');
      assert.equal(res.json().params.errmsg, 'Provided dataset is invalid. Please use any one from this list - [telemetry, summary]');
      assert.equal((await get('/dataset/get/telemetry?from=2024-03-07')).statusCode, 200);
      assert.equal((await get('/dataset/get/telemetry?from=2024-03-06')).json().params.errmsg, 'Date range should be < 3 days');
    });
  });
}
