// The Azure store against the contract, on Azurite started for this file.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { AzureBlobStore } from '../../src/storage/azure/azure-blob-store.js';
import { blobStoreContract, collect, freshContainer } from './contract.js';
import { skipUnless, startAzurite } from './servers.js';

const azurite = await startAzurite();
after(() => (azurite.ok ? azurite.value.stop() : undefined));
const skip = skipUnless('Azure store tests (Azurite)', azurite);
const connectionString = () => {
  if (!azurite.ok) throw new Error(azurite.reason);
  return azurite.value.connectionString;
};

blobStoreContract(
  'Azure Blob (Azurite)',
  async () => ({
    // Small blocks: the multi-MB upload is staged as many blocks, committed at once.
    store: new AzureBlobStore(connectionString(), { blockSize: 1024 * 1024 }),
    container: freshContainer('azure'),
    now: Date.now,
    pass: (ms) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(ms, 0))),
    signatureParam: 'sig',
    close: async () => {},
  }),
  skip,
);

describe('Azure store specifics', skip, () => {
  test('links are read-only SAS links for one blob, ending at expiresAt', async () => {
    const store = new AzureBlobStore(connectionString());
    const container = freshContainer('azx');
    await store.put(container, 'sas/a.zip', Readable.from([Buffer.from('a')]));
    const expiresAt = Date.parse('2030-01-02T03:04:05Z');
    const url = new URL(await store.signedUrl(container, 'sas/a.zip', expiresAt));
    assert.equal(url.searchParams.get('sp'), 'r');
    assert.equal(url.searchParams.get('sr'), 'b');
    assert.equal(url.searchParams.get('se'), '2030-01-02T03:04:05Z');
    assert.equal((await fetch(url)).status, 200);
    // The same link cannot write.
    assert.ok([401, 403].includes((await fetch(url, { method: 'PUT', body: 'x', headers: { 'x-ms-blob-type': 'BlockBlob' } })).status));
    await store.delete(container, 'sas/a.zip');
  });

  test('the server checks the account key: a wrong key cannot upload', async () => {
    const wrongKey = Buffer.alloc(64, 7).toString('base64');
    const store = new AzureBlobStore(connectionString().replace(/AccountKey=[^;]+/, `AccountKey=${wrongKey}`));
    const container = freshContainer('azw');
    await assert.rejects(store.put(container, 'wrong/a.zip', Readable.from([Buffer.from('a')])), (error: Error & { statusCode?: number }) => error.statusCode === 403);
    assert.deepEqual(await collect(new AzureBlobStore(connectionString()).list(container, '')), []);
  });
});
