// The local store against the contract: its links are served by the API itself, so the app listens
// on a real port and links are fetched over HTTP like any other.
import { after } from 'node:test';
import { LocalBlobStore } from '../../src/storage/local/local-blob-store.js';
import { startTestApp } from '../helpers/app.js';
import { dialects } from '../helpers/databases.js';
import { blobStoreContract, freshContainer } from './contract.js';
import { freePort } from '../helpers/ports.js';

const database = await dialects[0]!.open();
after(() => database.drop());

blobStoreContract('local files', async () => {
  const port = await freePort();
  const t = await startTestApp(database, { PORT: String(port), EXHAUST_PUBLIC_URL: `http://127.0.0.1:${port}`, EXHAUST_LOG_LEVEL: 'warn' });
  await t.app.listen({ port, host: '127.0.0.1' });
  t.clock.set(Date.now());
  if (!(t.services.store instanceof LocalBlobStore)) throw new Error('EXHAUST_STORAGE unset should mean the local store');
  return {
    store: t.services.store,
    container: freshContainer('local'),
    now: () => t.clock.now(),
    pass: async (ms) => t.clock.advance(Math.max(ms, 0)),
    signatureParam: 'signature',
    close: () => t.close(),
  };
});
