// The whole report pipeline on each store: submit through the API, one worker run builds the
// progress report into an AES zip in that store, read returns its signed URL, and plain fetch
// downloads a zip that opens with the request's key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Worker } from '../../src/worker/worker.js';
import { allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { insertBatch, insertCollection, insertEnrolment, insertUser } from '../helpers/collection-records.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { openZip } from '../helpers/zip.js';
import { freshContainer } from './contract.js';
import { freePort } from '../helpers/ports.js';
import { findS3, skipUnless, startAzurite } from './servers.js';

const azurite = await startAzurite();
after(() => (azurite.ok ? azurite.value.stop() : undefined));
const s3 = await findS3();

interface StoreSetting {
  name: string;
  skip: { skip?: string };
  /** Environment naming the store; `listen` when its links are served by the app itself. */
  env(): Promise<{ env: Record<string, string>; listen?: number }>;
}

const settings: StoreSetting[] = [
  {
    name: 'file',
    skip: {},
    async env() {
      const port = await freePort();
      return { env: { PORT: String(port), EXHAUST_PUBLIC_URL: `http://127.0.0.1:${port}` }, listen: port };
    },
  },
  {
    name: 'azure',
    skip: skipUnless('report pipeline on Azure (Azurite)', azurite),
    async env() {
      if (!azurite.ok) throw new Error(azurite.reason);
      return { env: { EXHAUST_STORAGE: 'azure', AZURE_STORAGE_CONNECTION_STRING: azurite.value.connectionString } };
    },
  },
  {
    name: 's3',
    skip: skipUnless('report pipeline on S3', s3),
    async env() {
      if (!s3.ok) throw new Error(s3.reason);
      const { endpoint, region, accessKeyId, secretAccessKey } = s3.value;
      return { env: { EXHAUST_STORAGE: 's3', S3_ENDPOINT: endpoint!, S3_REGION: region, S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey, S3_FORCE_PATH_STYLE: 'true' } };
    },
  },
];

for (const setting of settings) {
  describe(`report pipeline on EXHAUST_STORAGE=${setting.name}`, setting.skip, () => {
    let database: TestDatabase;
    let t: TestApp;
    let worker: Worker;

    before(async () => {
      database = await dialects[0]!.open();
      const { env, listen } = await setting.env();
      t = await startTestApp(database, { ...env, EXHAUST_CONTAINER: freshContainer(setting.name), EXHAUST_LOG_LEVEL: 'warn' });
      if (listen !== undefined) await t.app.listen({ port: listen, host: '127.0.0.1' });
      // Cloud servers check links against real time.
      t.clock.set(Date.now());
      await allowChannels(database, ['ch1']);
      await insertCollection(database.db, { id: 'c-1', name: 'Course 1', channel: 'ch1', leaf_nodes_count: 4 });
      await insertBatch(database.db, { id: 'b-1', collection_id: 'c-1', name: 'Batch 1' });
      await insertUser(database.db, { id: 'u-1', root_org_id: 'ch1', state: 'Karnataka' });
      await insertEnrolment(database.db, { user_id: 'u-1', batch_id: 'b-1', collection_id: 'c-1', content_status: JSON.stringify({ x: 2, y: 2 }) });
      worker = new Worker(
        t.services,
        { progressMs: 60_000, reapMs: 60_000 },
      );
    });
    after(async () => {
      await worker?.stop();
      await t?.close();
      await database?.drop();
    });

    test('submit → worker → read gives a signed URL that downloads the encrypted zip', async () => {
      const submitted = await t.app.inject({
        method: 'POST',
        url: '/dataset/v1/request/submit',
        headers: channelHeaders('ch1'),
        payload: { request: { tag: 'store-e2e', dataset: 'progress-exhaust', datasetConfig: { batchId: 'b-1' }, requestedBy: 'mentor', encryptionKey: 'zip-pass' } },
      });
      assert.equal(submitted.statusCode, 200, submitted.body);
      const { requestId } = submitted.json().result;

      const outcome = await worker.runOnce();
      assert.equal(outcome?.status, 'SUCCESS', JSON.stringify(outcome));

      const read = await t.app.inject({ method: 'GET', url: `/dataset/v1/request/read/store-e2e?requestId=${requestId}`, headers: channelHeaders('ch1') });
      assert.equal(read.statusCode, 200, read.body);
      const job = read.json().result;
      assert.equal(job.status, 'SUCCESS');
      assert.equal(job.downloadUrls.length, 1);
      assert.equal(job.expiresAt, t.clock.now() + t.config.urlTtlMinutes * 60_000);
      const url = new URL(job.downloadUrls[0]);
      assert.match(decodeURIComponent(url.pathname), new RegExp(`/progress-exhaust/${requestId}/b-1_progress_\\d{8}\\.zip$`));

      const res = await fetch(url);
      assert.equal(res.status, 200);
      const zip = await openZip(new Uint8Array(await res.arrayBuffer()), 'zip-pass');
      assert.deepEqual(zip.encrypted, [true]);
      assert.match(zip.names[0]!, /^b-1_progress_\d{8}\.csv$/);
      const [header, row] = zip.text.trim().split(/\r?\n/);
      assert.match(header!, /^Collection Id,Collection Name,Batch Id,/);
      assert.match(row!, /^c-1,Course 1,BatchId_b-1,Batch 1,u-1,Karnataka,/);
      // Two of the collection's four leaf nodes done: 50 %.
      assert.match(row!, /,50,$/);
    });
  });
}
