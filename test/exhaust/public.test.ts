import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

/** Dates from … to, both included (the test's own arithmetic, not the product's). */
function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
const shift = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const DATASET = 'public-summary-rollup';

for (const dialect of dialects) {
  describe(`GET /public/dataset/get/:datasetId — public exhaust, EXHAUST_TZ=Asia/Kolkata (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    const content = (key: string) => Buffer.from(`public ${key}\n`);

    before(async () => {
      database = await dialect.open();
      t = await startTestApp(database, { EXHAUST_TZ: 'Asia/Kolkata' });
      const { store } = t.services;
      // One file a day around two new years and a leap February.
      for (const d of [...datesBetween('2020-11-15', '2021-01-10'), ...datesBetween('2024-01-20', '2024-03-15')]) {
        await store.put(t.config.publicContainer, `${DATASET}/${d}.csv`, Readable.from([content(d)]));
      }
      // A day in two parts, in another dataset.
      await store.put(t.config.publicContainer, 'summary-rollup/2024-03-04-0.json.gz', Readable.from([content('p0')]));
      await store.put(t.config.publicContainer, 'summary-rollup/2024-03-04-1.json.gz', Readable.from([content('p1')]));
      // The private container is never listed nor served here.
      await store.put(t.config.container, `${DATASET}/2024-03-02.csv`, Readable.from([Buffer.from('private')]));
      await store.put(t.config.container, 'secret.csv', Readable.from([Buffer.from('private')]));
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    const get = (url: string) => t.app.inject({ method: 'GET', url });
    const result = async (url: string) => {
      const res = await get(url);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().id, 'org.ekstep.analytics.telemetry');
      return res.json().result;
    };
    const errmsg = async (url: string) => {
      const res = await get(url);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().responseCode, 'CLIENT_ERROR');
      assert.equal(res.json().id, 'org.ekstep.analytics.telemetry');
      return res.json().params.errmsg;
    };
    const datesOf = async (url: string) => Object.keys((await result(url)).periodWiseFiles);

    // "today" in Kolkata (UTC+05:30) just before and just after its midnight, and at midday;
    // LAST_WEEK across the leap February/March boundary and across a new year.
    const cases = [
      { at: '2024-03-03T18:29:59Z', today: '2024-03-03', lastWeek: ['2024-02-19', '2024-02-25'] },
      { at: '2024-03-03T18:30:00Z', today: '2024-03-04', lastWeek: ['2024-02-26', '2024-03-03'] },
      { at: '2024-03-04T06:30:00Z', today: '2024-03-04', lastWeek: ['2024-02-26', '2024-03-03'] },
      { at: '2020-12-31T18:29:59Z', today: '2020-12-31', lastWeek: ['2020-12-21', '2020-12-27'] },
      { at: '2020-12-31T18:30:00Z', today: '2021-01-01', lastWeek: ['2020-12-21', '2020-12-27'] },
      { at: '2021-01-03T18:29:59Z', today: '2021-01-03', lastWeek: ['2020-12-21', '2020-12-27'] },
      { at: '2021-01-03T18:30:00Z', today: '2021-01-04', lastWeek: ['2020-12-28', '2021-01-03'] },
    ];
    for (const c of cases) {
      test(`every date_range at ${c.at} (today ${c.today} in Kolkata)`, async () => {
        t.clock.set(c.at);
        const expected: Record<string, string[]> = {
          LAST_DAY: datesBetween(shift(c.today, -1), c.today),
          LAST_2_DAYS: datesBetween(shift(c.today, -2), c.today),
          LAST_7_DAYS: datesBetween(shift(c.today, -7), c.today),
          LAST_14_DAYS: datesBetween(shift(c.today, -14), c.today),
          LAST_30_DAYS: datesBetween(shift(c.today, -30), c.today),
          LAST_WEEK: datesBetween(c.lastWeek[0]!, c.lastWeek[1]!),
        };
        for (const [name, dates] of Object.entries(expected)) {
          assert.deepEqual(await datesOf(`/public/dataset/get/${DATASET}?date_range=${name}`), dates, name);
        }
        // The defaults too: yesterday … today.
        assert.deepEqual(await datesOf(`/public/dataset/get/${DATASET}`), [shift(c.today, -1), c.today]);
        assert.equal(await errmsg(`/public/dataset/get/${DATASET}?to=${shift(c.today, 1)}`), "'to' should be LESSER OR EQUAL TO today's date..");
      });
    }

    test('files are CDN links (no signature) that download without authentication', async () => {
      t.clock.set('2024-03-04T06:30:00Z');
      const r = await result(`/public/dataset/get/${DATASET}?date=2024-03-02`);
      const url = `${t.config.publicUrl}/public-files/${DATASET}/2024-03-02.csv`;
      assert.equal(t.config.cdnUrl, `${t.config.publicUrl}/public-files`);
      assert.deepEqual(r, { files: [url], periodWiseFiles: { '2024-03-02': [url] } });
      assert.equal('expiresAt' in r, false);
      const res = await get(new URL(url).pathname);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.rawPayload, content('2024-03-02'));
      assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
      const ranged = await t.app.inject({ method: 'GET', url: new URL(url).pathname, headers: { range: 'bytes=0-5' } });
      assert.equal(ranged.statusCode, 206);
      assert.equal(ranged.body, 'public');
    });

    test('/public-files serves the public container only', async () => {
      for (const path of ['/public-files/..%2Freports%2Fsecret.csv', '/public-files/secret.csv', '/public-files/nothing/here.csv', `/public-files/${DATASET}/2024-03-02.csv%2F..%2F..%2F..%2Freports%2Fsecret.csv`]) {
        const res = await get(path);
        assert.equal(res.statusCode, 404, path);
        assert.equal(res.json().responseCode, 'RESOURCE_NOT_FOUND');
        assert.doesNotMatch(res.body, /private/);
      }
    });

    test('a multi-part day, and one dataset never lists another', async () => {
      t.clock.set('2024-03-04T06:30:00Z');
      const r = await result('/public/dataset/get/summary-rollup?date=2024-03-04');
      const base = `${t.config.cdnUrl}/summary-rollup`;
      assert.deepEqual(r.files, [`${base}/2024-03-04-0.json.gz`, `${base}/2024-03-04-1.json.gz`]);
      assert.deepEqual(r.periodWiseFiles, { '2024-03-04': r.files });
    });

    test('precedence: date_range > date > since > from', async () => {
      t.clock.set('2024-03-04T06:30:00Z');
      const url = (q: string) => `/public/dataset/get/${DATASET}?${q}`;
      assert.deepEqual(await datesOf(url('date_range=LAST_DAY&date=2024-02-01&since=2024-02-10&from=2024-02-20&to=2024-02-25')), ['2024-03-03', '2024-03-04']);
      assert.deepEqual(await datesOf(url('date=2024-02-01&since=2024-02-10&from=2024-02-20&to=2024-02-25')), ['2024-02-01']);
      assert.deepEqual(await datesOf(url('since=2024-02-22&from=2024-02-20&to=2024-02-23')), ['2024-02-22', '2024-02-23']);
      assert.deepEqual(await datesOf(url('from=2024-02-20&to=2024-02-21')), ['2024-02-20', '2024-02-21']);
    });

    test('every message, in order', async () => {
      t.clock.set('2024-03-04T06:30:00Z');
      const url = (q: string) => `/public/dataset/get/${DATASET}?${q}`;
      assert.equal(
        await errmsg(url('date_range=LAST_MONTH')),
        'Provided dateRange LAST_MONTH is not valid. Please use any one from this list - [LAST_DAY, LAST_2_DAYS, LAST_7_DAYS, LAST_14_DAYS, LAST_30_DAYS, LAST_WEEK]',
      );
      assert.equal(await errmsg(url('date=2024-02-30')), 'date must be a date in yyyy-MM-dd');
      assert.equal(await errmsg(url('from=04-03-2024')), 'from must be a date in yyyy-MM-dd');
      assert.equal(await errmsg(url('since=2024-03-04T00:00')), 'since must be a date in yyyy-MM-dd');
      assert.equal(await errmsg(url('to=tomorrow&date_range=LAST_DAY')), 'to must be a date in yyyy-MM-dd');
      // Future first, then negative, then too long, then too old.
      assert.equal(await errmsg(url('from=2019-01-01&to=2024-03-05')), "'to' should be LESSER OR EQUAL TO today's date..");
      assert.equal(await errmsg(url('date=2024-03-05')), "'to' should be LESSER OR EQUAL TO today's date..");
      assert.equal(await errmsg(url('from=2024-03-04&to=2024-03-03')), "Date range should not be -ve. Please check your 'from' & 'to'");
      assert.equal(await errmsg(url('from=2023-01-01&to=2023-03-01')), 'Date range should be < 30 days');
      assert.deepEqual((await datesOf(url('from=2024-02-03'))).length, 31);
      assert.equal(await errmsg(url('from=2024-02-02')), 'Date range should be < 30 days');
      // Older than today − 2 months (2024-01-04): refused, however short.
      assert.equal(await errmsg(url('date=2024-01-03')), 'Date range cannot be older than 2 months');
      assert.deepEqual(await datesOf(url('date=2024-01-04')), []);
    });

    test('unknown dataset → 400 listing the public ones (checked first)', async () => {
      assert.equal(await errmsg('/public/dataset/get/raw?date_range=NOPE'), 'Provided dataset is invalid. Please use any one from this list - [summary-rollup, public-summary-rollup]');
      assert.match(await errmsg('/public/dataset/get/a%20b'), /^datasetId must contain only/);
    });

    test('nothing found: empty lists and the message', async () => {
      t.clock.set('2024-03-20T06:30:00Z');
      const r = await result(`/public/dataset/get/${DATASET}?from=2024-03-16`);
      assert.deepEqual(r, {
        files: [],
        periodWiseFiles: {},
        message: 'Files are not available for requested date. Might not yet generated. Please come back later',
      });
    });

    test('no channel needed; a channel header changes nothing; also under /data/v3', async () => {
      t.clock.set('2024-03-04T06:30:00Z');
      const plain = await result(`/public/dataset/get/${DATASET}?date=2024-03-01`);
      const withChannel = await t.app.inject({ method: 'GET', url: `/public/dataset/get/${DATASET}?date=2024-03-01`, headers: channelHeaders('anything', 'nobody') });
      assert.equal(withChannel.statusCode, 200);
      assert.deepEqual(withChannel.json().result, plain);
      assert.deepEqual(await result(`/data/v3/public/dataset/get/${DATASET}?date=2024-03-01`), plain);
      assert.match(await errmsg('/data/v3/public/dataset/get/raw'), /^Provided dataset is invalid/);
    });
  });

  describe(`public exhaust: configuration (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;

    before(async () => {
      database = await dialect.open();
      t = await startTestApp(database, {
        EXHAUST_CDN_URL: 'https://cdn.example.org/data-store/',
        EXHAUST_PUBLIC_DATASETS: 'open-data',
        EXHAUST_PUBLIC_MAX_DAYS: '7',
        EXHAUST_PUBLIC_MAX_AGE_MONTHS: '1',
      });
      await t.services.store.put(t.config.publicContainer, 'open-data/2024-01-15.csv', Readable.from([Buffer.from('x')]));
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    const get = (url: string) => t.app.inject({ method: 'GET', url });

    test('links use EXHAUST_CDN_URL; datasets and limits come from the configuration', async () => {
      t.clock.set('2024-01-15T10:00:00Z');
      const r = (await get('/public/dataset/get/open-data')).json().result;
      assert.deepEqual(r.files, ['https://cdn.example.org/data-store/open-data/2024-01-15.csv']);
      assert.equal((await get('/public/dataset/get/public-summary-rollup')).json().params.errmsg, 'Provided dataset is invalid. Please use any one from this list - [open-data]');
      assert.equal((await get('/public/dataset/get/open-data?from=2024-01-08')).statusCode, 200);
      assert.equal((await get('/public/dataset/get/open-data?from=2024-01-07')).json().params.errmsg, 'Date range should be < 7 days');
      assert.equal((await get('/public/dataset/get/open-data?date=2023-12-14')).json().params.errmsg, 'Date range cannot be older than 1 months');
      assert.equal((await get('/public/dataset/get/open-data?date=2023-12-15')).statusCode, 200);
    });
  });
}
