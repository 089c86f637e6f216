// EXHAUST_STORAGE and the settings of each store: validated at start-up, secrets never echoed, and
// createBlobStore builds the store they name (nothing is contacted until first use).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createBlobStore, keysOf } from '../../src/services.js';
import { AzureBlobStore } from '../../src/storage/azure/azure-blob-store.js';
import { LocalBlobStore } from '../../src/storage/local/local-blob-store.js';
import { S3BlobStore } from '../../src/storage/s3/s3-blob-store.js';

const AZURE = 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0LWFjY291bnQta2V5;EndpointSuffix=core.windows.net';
const S3 = { S3_ACCESS_KEY_ID: 'AKIAEXAMPLE', S3_SECRET_ACCESS_KEY: 'very-secret-value' };

describe('storage configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exhaust-storage-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const load = (env: Record<string, string>) => loadConfig({ EXHAUST_DATA_DIR: dir, ...env });

  test('file is the default, and builds the local store', async () => {
    const config = load({});
    assert.deepEqual(config.storage, { kind: 'file' });
    assert.ok((await createBlobStore(config, keysOf(config))) instanceof LocalBlobStore);
  });

  test('azure takes the connection string and builds the Azure store', async () => {
    const config = load({ EXHAUST_STORAGE: 'azure', AZURE_STORAGE_CONNECTION_STRING: AZURE });
    assert.deepEqual(config.storage, { kind: 'azure', connectionString: AZURE });
    assert.ok(Object.isFrozen(config.storage));
    assert.ok((await createBlobStore(config, keysOf(config))) instanceof AzureBlobStore);
  });

  test('s3 takes endpoint, region, keys and path style, with defaults', async () => {
    const aws = load({ EXHAUST_STORAGE: 's3', ...S3 });
    assert.deepEqual(aws.storage, { kind: 's3', endpoint: undefined, region: 'us-east-1', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'very-secret-value', forcePathStyle: false });
    const minio = load({ EXHAUST_STORAGE: 's3', ...S3, S3_ENDPOINT: 'http://127.0.0.1:9000/', S3_REGION: 'eu-west-1' });
    assert.deepEqual(minio.storage, { kind: 's3', endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'very-secret-value', forcePathStyle: true });
    assert.equal((load({ EXHAUST_STORAGE: 's3', ...S3, S3_ENDPOINT: 'https://s3.example.org', S3_FORCE_PATH_STYLE: 'false' }).storage as { forcePathStyle: boolean }).forcePathStyle, false);
    assert.equal((load({ EXHAUST_STORAGE: 's3', ...S3, S3_FORCE_PATH_STYLE: 'true' }).storage as { forcePathStyle: boolean }).forcePathStyle, true);
    const store = await createBlobStore(minio, keysOf(minio));
    assert.ok(store instanceof S3BlobStore);
    await store.close?.();
  });

  const refused: [Record<string, string>, RegExp][] = [
    [{ EXHAUST_STORAGE: 'gcs' }, /^EXHAUST_STORAGE="gcs" must be one of file, azure, s3$/],
    [{ EXHAUST_STORAGE: 'azure' }, /^AZURE_STORAGE_CONNECTION_STRING is required when EXHAUST_STORAGE=azure$/],
    [{ EXHAUST_STORAGE: 'azure', AZURE_STORAGE_CONNECTION_STRING: 'BlobEndpoint=https://acct.blob.core.windows.net;SharedAccessSignature=sv=2020&sig=SECRETSIG' }, /^AZURE_STORAGE_CONNECTION_STRING must hold AccountName=…;AccountKey=…/],
    [{ EXHAUST_STORAGE: 's3', S3_SECRET_ACCESS_KEY: 'very-secret-value' }, /^S3_ACCESS_KEY_ID is required when EXHAUST_STORAGE=s3$/],
    [{ EXHAUST_STORAGE: 's3', S3_ACCESS_KEY_ID: 'AKIAEXAMPLE' }, /^S3_SECRET_ACCESS_KEY is required when EXHAUST_STORAGE=s3$/],
    [{ EXHAUST_STORAGE: 's3', ...S3, S3_ENDPOINT: 'ftp://host' }, /^S3_ENDPOINT is not an http\(s\) URL$/],
    [{ EXHAUST_STORAGE: 's3', ...S3, S3_ENDPOINT: 'http://user:very-secret-value@host' }, /^S3_ENDPOINT must not carry credentials/],
    [{ EXHAUST_STORAGE: 's3', ...S3, S3_REGION: 'us east' }, /^S3_REGION="us east" is not a region name/],
    [{ EXHAUST_STORAGE: 's3', ...S3, S3_FORCE_PATH_STYLE: 'maybe' }, /^S3_FORCE_PATH_STYLE="maybe" must be 1, true or yes, or 0, false or no$/],
  ];
  for (const [env, message] of refused) {
    test(`refused in one line: ${Object.keys(env).join(', ')} → ${message.source.slice(1, 50)}`, () => {
      assert.throws(() => load(env), (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, message);
        assert.ok(!error.message.includes('\n'), 'one line');
        for (const secret of ['very-secret-value', 'SECRETSIG', 'c2VjcmV0']) assert.ok(!error.message.includes(secret), `does not echo ${secret}`);
        return true;
      });
    });
  }

  test('settings of a store not chosen are ignored', () => {
    assert.deepEqual(load({ S3_ENDPOINT: 'not a url', AZURE_STORAGE_CONNECTION_STRING: 'junk' }).storage, { kind: 'file' });
  });

  test('UseDevelopmentStorage=true (Azurite on its default port) is accepted', () => {
    assert.equal(load({ EXHAUST_STORAGE: 'azure', AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' }).storage.kind, 'azure');
  });
});
