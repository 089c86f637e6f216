// The sweeper removes the temporary uploads of writers that died — the local store's part files and
// S3's incomplete multipart uploads — once nothing was written to them for a lease, and never a live one.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../src/storage/s3/s3-blob-store.js';
import { Sweeper } from '../../src/sweeper/sweeper.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { gate } from '../worker/helpers.js';
import { freshContainer } from '../storage/contract.js';
import { findS3, skipUnless } from '../storage/servers.js';
import { keysUnder } from './helpers.js';

const LEASE = 60_000;
const nothingElse = { expiredRequests: 0, sweptRequests: 0, deletedArtefacts: 0, deletedBytes: 0, failedRequests: 0 };

describe('temporary uploads: local store', () => {
  let database: TestDatabase;
  let t: TestApp;
  const tmp = (...parts: string[]) => join(t.config.dataDir, 'storage', '.tmp', ...parts);
  const partFile = (path: string, bytes: number, ageMs: number) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, Buffer.alloc(bytes, 1));
    const at = (Date.now() - ageMs) / 1000;
    utimesSync(path, at, at);
  };

  before(async () => {
    database = await dialects[0]!.open();
    t = await startTestApp(database);
  });
  after(async () => {
    await t.close();
    await database.drop();
  });

  test('part files not written to for a lease are removed, younger ones kept, in both containers and in the layout before', async () => {
    t.clock.set(Date.now());
    const { container, publicContainer } = t.config;
    partFile(tmp(container, 'dead.part'), 100, LEASE + 5_000);
    partFile(tmp(publicContainer, 'dead-too.part'), 20, 3 * LEASE);
    partFile(tmp('from-before.part'), 3, LEASE + 5_000);
    partFile(tmp(container, 'alive.part'), 7, LEASE / 2);
    partFile(tmp(container, 'not-a-part.txt'), 1, 3 * LEASE);
    const sweeper = new Sweeper(t.services);

    assert.deepEqual(await sweeper.runOnce(), { ...nothingElse, removedUploads: 3, removedUploadBytes: 123 });
    assert.deepEqual(readdirSync(tmp(container)).sort(), ['alive.part', 'not-a-part.txt']);
    assert.deepEqual(readdirSync(tmp(publicContainer)), []);
    assert.deepEqual(await sweeper.runOnce(), { ...nothingElse, removedUploads: 0, removedUploadBytes: 0 });
  });

  test('an upload in progress is never taken for dead, and completes', async () => {
    t.clock.set(Date.now());
    const { container } = t.config;
    const paused = gate();
    async function* body() {
      yield Buffer.from('first half, ');
      paused.arrive();
      await paused.wait;
      yield Buffer.from('second half');
    }
    const upload = t.services.store.put(container, 'live/report.zip', Readable.from(body(), { objectMode: false }));
    await paused.reached;
    // The first chunk is read before the part file is surely on disk (the file opens asynchronously):
    // wait for it, at most a few seconds.
    const partFiles = () => (existsSync(tmp(container)) ? readdirSync(tmp(container)) : []).filter((name) => name.endsWith('.part') && name !== 'alive.part');
    for (let tries = 0; partFiles().length === 0 && tries < 300; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(partFiles().length, 1, 'the upload writes a part file');
    assert.equal((await new Sweeper(t.services).runOnce()).removedUploads, 0);
    paused.open();
    assert.deepEqual(await upload, { size: 23 });
    assert.deepEqual(await keysUnder(t.services.store, container, 'live/'), ['live/report.zip']);
  });
});

const s3 = await findS3();
describe('temporary uploads: S3', skipUnless('S3 sweeper tests', s3), () => {
  let database: TestDatabase;
  let t: TestApp;
  let store: S3BlobStore;
  let client: S3Client;
  const bucket = freshContainer('s3sweep');

  before(async () => {
    if (!s3.ok) return;
    database = await dialects[0]!.open();
    t = await startTestApp(database);
    store = new S3BlobStore(s3.value);
    const { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle } = s3.value;
    client = new S3Client({ endpoint, region, forcePathStyle, credentials: { accessKeyId, secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  });
  after(async () => {
    if (!store) return;
    for (const key of await keysUnder(store, bucket)) await store.delete(bucket, key);
    await store.close();
    client.destroy();
    await t.close();
    await database.drop();
  });

  test('an incomplete multipart upload is aborted once started and idle for longer than the lease; complete objects stay', async () => {
    await store.put(bucket, 'done/report.zip', Readable.from([Buffer.from('complete')]));
    // A writer that died: the upload started, a part went up, and nothing completed it.
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'progress-exhaust/REQ/b1_progress_20240115.zip' }));
    await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'progress-exhaust/REQ/b1_progress_20240115.zip', UploadId, PartNumber: 1, Body: Buffer.alloc(1000, 7) }));
    // The public container was never created: nothing to sweep there, and no error.
    const sweeper = new Sweeper({ ...t.services, store, config: { ...t.config, container: bucket, publicContainer: freshContainer('s3none') } });
    const pending = async () => (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];

    t.clock.set(Date.now());
    assert.deepEqual(await sweeper.runOnce(), { ...nothingElse, removedUploads: 0, removedUploadBytes: 0 });
    assert.equal((await pending()).length, 1);

    t.clock.set(Date.now() + LEASE + 5_000);
    assert.deepEqual(await sweeper.runOnce(), { ...nothingElse, removedUploads: 1, removedUploadBytes: 1000 });
    assert.deepEqual(await pending(), []);
    assert.deepEqual(await keysUnder(store, bucket), ['done/report.zip']);
    assert.equal((await sweeper.runOnce()).removedUploads, 0);
  });
});
