// The S3 store against the contract, on a server that checks signatures (Swift s3api by default),
// plus what is S3's own: multipart clean-up, the 7-day cap of SigV4 links, signature checks on uploads.
import assert from 'node:assert/strict';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { MAX_LINK_SECONDS, S3BlobStore } from '../../src/storage/s3/s3-blob-store.js';
import { blobStoreContract, collect, freshContainer, generatedBody } from './contract.js';
import { findS3, skipUnless } from './servers.js';

const s3 = await findS3();
const skip = skipUnless('S3 store tests', s3);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(ms, 0)));

blobStoreContract(
  'S3 (signature-checking server)',
  async () => {
    if (!s3.ok) throw new Error(s3.reason);
    const store = new S3BlobStore(s3.value);
    return { store, container: freshContainer('s3'), now: Date.now, pass: sleep, signatureParam: 'X-Amz-Signature', close: () => store.close() };
  },
  skip,
);

describe('S3 store specifics', skip, () => {
  let store: S3BlobStore;
  let client: S3Client;
  const bucket = freshContainer('s3x');
  before(() => {
    if (!s3.ok) return;
    store = new S3BlobStore(s3.value);
    const { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle } = s3.value;
    client = new S3Client({ endpoint, region, forcePathStyle, credentials: { accessKeyId, secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  });
  after(async () => {
    if (!store) return;
    for (const entry of await collect(store.list(bucket, ''))) await store.delete(bucket, entry.key);
    await store.close();
    client.destroy();
  });

  test('a multipart upload whose body fails is aborted: no parts are left behind', async () => {
    const failing = generatedBody(16 * 1024 * 1024, 'mp', 11 * 1024 * 1024);
    await assert.rejects(store.put(bucket, 'mp/report.zip', failing.body), /the body failed midway/);
    const pending = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'mp/' }));
    assert.deepEqual(pending.Uploads ?? [], []);
    assert.deepEqual(await collect(store.list(bucket, 'mp/')), []);
  });

  test('links are capped at 7 days (SigV4) and otherwise last until expiresAt', async () => {
    await store.put(bucket, 'cap/a.zip', Readable.from([Buffer.from('a')]));
    const now = Date.now();
    const month = new URL(await store.signedUrl(bucket, 'cap/a.zip', now + 30 * 24 * 3600_000));
    assert.equal(month.searchParams.get('X-Amz-Expires'), String(MAX_LINK_SECONDS));
    assert.equal((await fetch(month)).status, 200);
    const tenMinutes = new URL(await store.signedUrl(bucket, 'cap/a.zip', now + 600_000));
    assert.ok(Math.abs(Number(tenMinutes.searchParams.get('X-Amz-Expires')) - 600) <= 1, tenMinutes.searchParams.get('X-Amz-Expires')!);
  });

  test('the server checks signatures: a wrong secret cannot upload', async () => {
    if (!s3.ok) return;
    const wrong = new S3BlobStore({ ...s3.value, secretAccessKey: 'not-the-secret' });
    try {
      await assert.rejects(wrong.put(bucket, 'wrong/a.zip', Readable.from([Buffer.from('a')])), (error: Error) => /SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId|Forbidden/.test(`${error.name} ${error.message}`));
    } finally {
      await wrong.close();
    }
    assert.deepEqual(await collect(store.list(bucket, 'wrong/')), []);
  });
});
