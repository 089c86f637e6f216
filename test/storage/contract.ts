// The BlobStore contract, one suite run against every store (local, Azure, S3) on a real server.
// Signed links are fetched the way a recipient would: plain fetch, no SDK.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { BlobEntry, BlobStore } from '../../src/storage/blob-store.js';

export interface StoreUnderTest {
  store: BlobStore;
  /** A container of its own (each run names a fresh one). */
  container: string;
  /** The clock the store's links are checked against (epoch ms). */
  now(): number;
  /** Lets the links' clock pass `ms` (a real wait for a cloud server, a clock move for the local store). */
  pass(ms: number): Promise<void>;
  /** The query parameter holding the link's signature. */
  signatureParam: string;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

/** `size` pseudo-random bytes, produced 64 KiB at a time as they are read, optionally failing after `failAfter` bytes. */
export function generatedBody(size: number, seed: string, failAfter?: number): { body: Readable; sha256: string; produced(): number } {
  const chunk = (i: number) => createHash('sha512').update(`${seed}:${i}`).digest();
  const block = (i: number) => Buffer.concat(Array.from({ length: 1024 }, (_, j) => chunk(i * 1024 + j))); // 64 KiB
  const hash = createHash('sha256');
  for (let at = 0, i = 0; at < size; at += 64 * 1024, i++) hash.update(block(i).subarray(0, Math.min(64 * 1024, size - at)));
  let produced = 0;
  async function* bytes(): AsyncGenerator<Buffer> {
    for (let at = 0, i = 0; at < size; at += 64 * 1024, i++) {
      if (failAfter !== undefined && at >= failAfter) throw new Error('the body failed midway');
      const part = block(i).subarray(0, Math.min(64 * 1024, size - at));
      produced += part.length;
      yield part;
    }
  }
  return { body: Readable.from(bytes(), { objectMode: false }), sha256: hash.digest('hex'), produced: () => produced };
}

export async function collect(entries: AsyncIterable<BlobEntry>): Promise<BlobEntry[]> {
  const all: BlobEntry[] = [];
  for await (const entry of entries) all.push(entry);
  return all;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const text = (s: string) => Readable.from([Buffer.from(s)]);

export function blobStoreContract(name: string, open: () => Promise<StoreUnderTest>, options: { skip?: string } = {}): void {
  describe(`BlobStore contract: ${name}`, options, () => {
    let s: StoreUnderTest;
    let store: BlobStore;
    let container: string;
    const keys = (prefix: string) => collect(store.list(container, prefix)).then((entries) => entries.map((e) => e.key));
    const download = async (url: string) => {
      const res = await fetch(url);
      return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
    };

    before(async () => {
      s = await open();
      store = s.store;
      container = s.container;
    });
    after(async () => {
      if (!s) return;
      for (const entry of await collect(store.list(container, ''))) await store.delete(container, entry.key);
      await s.close();
    });

    test('streams a multi-MB body up and its signed link downloads the same bytes with plain fetch', async () => {
      const key = 'progress-exhaust/REQ1/batch-1_progress_20240115.zip';
      const size = 12 * MiB + 12345;
      const { body, sha256: expected } = generatedBody(size, 'big');
      const started = Date.now();
      assert.deepEqual(await store.put(container, key, body, { contentType: 'application/zip' }), { size });
      const [entry] = await collect(store.list(container, key));
      assert.equal(entry?.key, key);
      assert.equal(entry?.size, size);
      // Servers keep seconds; the object is no older than the upload.
      assert.ok(entry!.lastModified >= Math.floor(started / 1000) * 1000 - 2000 && entry!.lastModified <= Date.now() + 2000, `lastModified ${entry!.lastModified}`);

      const res = await download(await store.signedUrl(container, key, s.now() + 10 * 60_000));
      assert.equal(res.status, 200);
      assert.equal(res.bytes.length, size);
      assert.equal(sha256(res.bytes), expected);
      assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="batch-1_progress_20240115\.zip"$/);
    });

    test('memory stays bounded: a body larger than any buffer is streamed, not held', async () => {
      const size = 192 * MiB;
      const block = randomBytes(64 * 1024);
      async function* bytes(): AsyncGenerator<Buffer> {
        // A fresh buffer per chunk, as a real producer (the zip stream) hands out.
        for (let at = 0; at < size; at += block.length) yield Buffer.from(block);
      }
      const base = process.memoryUsage().arrayBuffers;
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - base)), 10);
      try {
        assert.deepEqual(await store.put(container, 'big/stream.bin', Readable.from(bytes(), { objectMode: false })), { size });
      } finally {
        clearInterval(sampler);
      }
      // Parts/blocks in flight take a few tens of MiB; holding the body would take all of it.
      assert.ok(peak < 128 * MiB, `peak buffer memory ${(peak / MiB).toFixed(1)} MiB while streaming ${size / MiB} MiB`);
      await store.delete(container, 'big/stream.bin');
    });

    test('lists by prefix and by date prefix, in key order, without neighbours that merely share the start', async () => {
      const written = [
        'data-exhaust/ds1/ch1/2024-01-15-part2.json',
        'data-exhaust/ds1/ch1/2024-01-14.json',
        'data-exhaust/ds1/ch1/2024-01-15-part1.json',
        'data-exhaust/ds1/ch1/2024-01-15.json',
        'data-exhaust/ds1/ch2/2024-01-15.json',
        'data-exhaust/ds1/ch1-x/2024-01-15.json',
        'data-exhaust/ds10/ch1/2024-01-15.json',
      ];
      for (const key of written) await store.put(container, key, text(`file ${key}`));

      assert.deepEqual(await keys('data-exhaust/ds1/ch1/'), [
        'data-exhaust/ds1/ch1/2024-01-14.json',
        'data-exhaust/ds1/ch1/2024-01-15-part1.json',
        'data-exhaust/ds1/ch1/2024-01-15-part2.json',
        'data-exhaust/ds1/ch1/2024-01-15.json',
      ]);
      assert.deepEqual(await keys('data-exhaust/ds1/ch1/2024-01-15'), [
        'data-exhaust/ds1/ch1/2024-01-15-part1.json',
        'data-exhaust/ds1/ch1/2024-01-15-part2.json',
        'data-exhaust/ds1/ch1/2024-01-15.json',
      ]);
      // Byte order: '-' (0x2d) sorts before '/' (0x2f).
      assert.deepEqual(await keys('data-exhaust/ds1/'), [
        'data-exhaust/ds1/ch1-x/2024-01-15.json',
        'data-exhaust/ds1/ch1/2024-01-14.json',
        'data-exhaust/ds1/ch1/2024-01-15-part1.json',
        'data-exhaust/ds1/ch1/2024-01-15-part2.json',
        'data-exhaust/ds1/ch1/2024-01-15.json',
        'data-exhaust/ds1/ch2/2024-01-15.json',
      ]);
      assert.deepEqual(await keys('data-exhaust/ds1/ch1/2024-01-16'), []);
      assert.deepEqual(await keys('nothing-here/'), []);
      const [entry] = await collect(store.list(container, 'data-exhaust/ds1/ch2/'));
      assert.equal(entry?.size, Buffer.byteLength('file data-exhaust/ds1/ch2/2024-01-15.json'));
    });

    test('a container nobody wrote to lists nothing and deletes nothing', async () => {
      const empty = `${container}-none`;
      assert.deepEqual(await collect(store.list(empty, '')), []);
      await store.delete(empty, 'a/b.zip');
    });

    test('a tampered link is refused by the server', async () => {
      await store.put(container, 'tamper/a.zip', text('secret a'));
      await store.put(container, 'tamper/b.zip', text('secret b'));
      const url = new URL(await store.signedUrl(container, 'tamper/a.zip', s.now() + 10 * 60_000));
      assert.equal((await download(url.toString())).status, 200);

      const signature = url.searchParams.get(s.signatureParam);
      assert.ok(signature, `the link carries ${s.signatureParam}`);
      const flipped = new URL(url);
      flipped.searchParams.set(s.signatureParam, (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1));
      const otherKey = new URL(url.toString().replace('/tamper/a.zip', '/tamper/b.zip'));
      assert.notEqual(otherKey.toString(), url.toString());
      const unsigned = new URL(url);
      unsigned.searchParams.delete(s.signatureParam);
      for (const tampered of [flipped, otherKey, unsigned]) {
        const res = await download(tampered.toString());
        assert.ok(res.status === 403 || res.status === 401, `${res.status} for ${tampered.pathname}`);
        assert.ok(!Buffer.from(res.bytes).toString().includes('secret'), 'no content leaks');
      }
    });

    test('an expired link is refused by the server', async () => {
      await store.put(container, 'expiry/old.zip', text('old news'));
      const res = await download(await store.signedUrl(container, 'expiry/old.zip', s.now() - 5_000));
      assert.ok(res.status === 403 || res.status === 401, `status ${res.status}`);
    });

    test('a link works until its expiry and not after', async () => {
      await store.put(container, 'expiry/soon.zip', text('soon gone'));
      const expiresAt = s.now() + 2_000;
      const url = await store.signedUrl(container, 'expiry/soon.zip', expiresAt);
      const before = await download(url);
      assert.equal(before.status, 200);
      assert.equal(Buffer.from(before.bytes).toString(), 'soon gone');
      // Servers compare whole seconds: wait until the expiry second is over.
      await s.pass(Math.ceil(expiresAt / 1000) * 1000 + 1_100 - s.now());
      const res = await download(url);
      assert.ok(res.status === 403 || res.status === 401, `status ${res.status}`);
    });

    test('overwriting a key leaves one object, with the new bytes', async () => {
      const key = 'overwrite/report.zip';
      await store.put(container, key, text('first version, longer'));
      await store.put(container, key, text('second'));
      const entries = await collect(store.list(container, 'overwrite/'));
      assert.deepEqual(entries.map((e) => [e.key, e.size]), [[key, 6]]);
      const res = await download(await store.signedUrl(container, key, s.now() + 60_000));
      assert.equal(Buffer.from(res.bytes).toString(), 'second');
    });

    test('a body that fails midway leaves no object under the key, and an existing one whole', async () => {
      // Past 5 MiB: the S3 store is in the middle of a multipart upload when the body fails.
      const fresh = generatedBody(8 * MiB, 'fails', 6 * MiB);
      await assert.rejects(store.put(container, 'failed/new.zip', fresh.body), /the body failed midway/);
      assert.ok(fresh.produced() >= 6 * MiB - 64 * 1024, 'the body was read up to its failure');
      assert.deepEqual(await keys('failed/'), []);

      const key = 'failed/existing.zip';
      await store.put(container, key, text('the good version'));
      const broken = generatedBody(8 * MiB, 'fails-again', 6 * MiB);
      await assert.rejects(store.put(container, key, broken.body), /the body failed midway/);
      assert.deepEqual(await keys('failed/'), [key]);
      const res = await download(await store.signedUrl(container, key, s.now() + 60_000));
      assert.equal(Buffer.from(res.bytes).toString(), 'the good version');
    });

    test('sweepIncomplete: finished and failed uploads leave nothing to sweep, and objects are never touched', async () => {
      await store.put(container, 'sweep/whole.zip', text('whole'));
      const failing = generatedBody(8 * MiB, 'sweep-fails', 6 * MiB);
      await assert.rejects(store.put(container, 'sweep/broken.zip', failing.body), /the body failed midway/);
      // Everything counts as idle an hour from now: only a temporary upload left behind would go.
      assert.equal((await store.sweepIncomplete(container, s.now() + 3600_000)).removed, 0);
      assert.equal((await store.sweepIncomplete(`${container}-none`, s.now() + 3600_000)).removed, 0);
      assert.deepEqual(await keys('sweep/'), ['sweep/whole.zip']);
    });

    test('delete removes the object; deleting a missing key is no error', async () => {
      const key = 'delete/me.zip';
      await store.put(container, key, text('short-lived'));
      const url = await store.signedUrl(container, key, s.now() + 60_000);
      await store.delete(container, key);
      assert.deepEqual(await keys('delete/'), []);
      assert.notEqual((await download(url)).status, 200);
      await store.delete(container, key);
      await store.delete(container, 'delete/never-was.zip');
    });

    test('a key that could escape its container is refused', async () => {
      for (const key of ['../outside.zip', 'a/../../b.zip', '/absolute.zip', 'a//b.zip', '']) {
        await assert.rejects(store.put(container, key, text('x')), /unsafe blob key/, key);
      }
    });
  });
}

/** A container name of its own for one run (3–63 lower-case letters, digits, hyphens). */
export const freshContainer = (label: string) => `t-${label}-${randomBytes(4).toString('hex')}`;
