import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/storage/local/local-blob-store.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

/** The path and query of a signed URL, as a client would request it. */
const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

for (const dialect of dialects) {
  describe(`GET /download/:container/* (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    let store: LocalBlobStore;
    const key = 'progress-exhaust/REQ1/batch-1_progress_20240115.zip';
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    const sign = (k = key, container = t.config.container, ttlMs = 30 * 60_000) => store.signedUrl(container, k, t.clock.now() + ttlMs);

    before(async () => {
      database = await dialect.open();
      t = await startTestApp(database);
      store = t.services.store as LocalBlobStore;
      await store.put(t.config.container, key, Readable.from([bytes]));
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    test('a valid link downloads the stored bytes as an attachment', async () => {
      const url = await sign();
      assert.ok(url.startsWith(`${t.config.publicUrl}/download/${t.config.container}/`));
      const res = await t.app.inject({ method: 'GET', url: pathOf(url) });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.rawPayload, bytes);
      assert.equal(res.headers['content-type'], 'application/zip');
      assert.equal(res.headers['content-disposition'], 'attachment; filename="batch-1_progress_20240115.zip"');
      assert.equal(res.headers['accept-ranges'], 'bytes');
      assert.equal(res.headers['content-length'], String(bytes.length));
    });

    test('an expired link is refused', async () => {
      const url = await sign(key, t.config.container, 60_000);
      t.clock.advance(61_000);
      const res = await t.app.inject({ method: 'GET', url: pathOf(url) });
      assert.equal(res.statusCode, 403);
      const body = res.json();
      assert.equal(body.responseCode, 'FORBIDDEN');
      assert.equal(body.params.err, 'FORBIDDEN');
      assert.equal(body.params.errmsg, 'download link has expired');
    });

    test('a tampered signature, key or expiry is refused', async () => {
      const url = new URL(await sign());
      const signature = url.searchParams.get('signature')!;
      const flipped = new URL(url);
      flipped.searchParams.set('signature', (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1));
      const later = new URL(url);
      later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
      const otherKey = new URL(url.toString().replace('batch-1_', 'batch-2_'));
      const unsigned = new URL(url);
      unsigned.searchParams.delete('signature');
      for (const u of [flipped, later, otherKey, unsigned]) {
        const res = await t.app.inject({ method: 'GET', url: u.pathname + u.search });
        assert.equal(res.statusCode, 403, u.toString());
        assert.equal(res.json().params.errmsg, 'download link is invalid');
      }
    });

    test('a link signed for one container does not open another', async () => {
      await store.put('other', key, Readable.from([Buffer.from('secret of another container')]));
      const url = await sign();
      const res = await t.app.inject({ method: 'GET', url: pathOf(url).replace(`/download/${t.config.container}/`, '/download/other/') });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().params.errmsg, 'download link is invalid');
    });

    test('a link to a file that no longer exists is a 404 envelope', async () => {
      const url = await sign('progress-exhaust/GONE/batch-1_progress_20240115.zip');
      const res = await t.app.inject({ method: 'GET', url: pathOf(url) });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().responseCode, 'RESOURCE_NOT_FOUND');
    });

    test('a single Range is served as 206 with Content-Range', async () => {
      const url = pathOf(await sign());
      const first = await t.app.inject({ method: 'GET', url, headers: { range: 'bytes=10-19' } });
      assert.equal(first.statusCode, 206);
      assert.equal(first.headers['content-range'], `bytes 10-19/${bytes.length}`);
      assert.equal(first.headers['content-length'], '10');
      assert.deepEqual(first.rawPayload, bytes.subarray(10, 20));

      const open = await t.app.inject({ method: 'GET', url, headers: { range: 'bytes=990-' } });
      assert.equal(open.statusCode, 206);
      assert.deepEqual(open.rawPayload, bytes.subarray(990));

      const suffix = await t.app.inject({ method: 'GET', url, headers: { range: 'bytes=-5' } });
      assert.equal(suffix.statusCode, 206);
      assert.equal(suffix.headers['content-range'], `bytes 995-999/${bytes.length}`);
      assert.deepEqual(suffix.rawPayload, bytes.subarray(995));

      // Past the end of the file: clipped to it.
      const clipped = await t.app.inject({ method: 'GET', url, headers: { range: 'bytes=900-5000' } });
      assert.equal(clipped.statusCode, 206);
      assert.deepEqual(clipped.rawPayload, bytes.subarray(900));
    });

    test('an unsatisfiable Range is a 416; several ranges get the whole file', async () => {
      const url = pathOf(await sign());
      const beyond = await t.app.inject({ method: 'GET', url, headers: { range: `bytes=${bytes.length}-` } });
      assert.equal(beyond.statusCode, 416);
      assert.equal(beyond.headers['content-range'], `bytes */${bytes.length}`);
      assert.equal(beyond.json().responseCode, 'CLIENT_ERROR');

      const several = await t.app.inject({ method: 'GET', url, headers: { range: 'bytes=0-1,5-6' } });
      assert.equal(several.statusCode, 200);
      assert.deepEqual(several.rawPayload, bytes);
    });
  });
}
