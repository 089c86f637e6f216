// Shared by the sweeper tests: requests in a final status with artefacts in storage, and a blob store
// that counts what is deleted through it.
import { Readable } from 'node:stream';
import type { Database } from '../../src/db/database.js';
import type { RequestStatus } from '../../src/requests/request.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { queueRequest } from '../worker/helpers.js';

export interface Fixture {
  database: Database;
  store: BlobStore;
  container: string;
  storedKeys: Buffer;
}

/**
 * A request that ended `status` at `at`, with an artefact per batch in storage (stored as its links
 * when SUCCESS, left behind otherwise). Returns the artefacts' keys.
 */
export async function endedRequest(f: Fixture, requestId: string, status: RequestStatus, at: number, batches = ['b1', 'b2']): Promise<string[]> {
  await queueRequest(f.database, f.storedKeys, at, { requestId });
  const keys = batches.map((batch) => `progress-exhaust/${requestId}/${batch}_progress_20240115.zip`);
  for (const key of keys) await f.store.put(f.container, key, Readable.from([Buffer.from(`the zip of ${key}`)]));
  await f.database.db
    .updateTable('job_request')
    .set({ status, download_urls: status === 'SUCCESS' ? JSON.stringify(keys) : null, dt_job_completed: at, last_updated: at, encryption_key: null })
    .where('request_id', '=', requestId)
    .execute();
  return keys;
}

/** Keys in a container under a prefix. */
export async function keysUnder(store: BlobStore, container: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of store.list(container, prefix)) keys.push(entry.key);
  return keys;
}

/** `inner`, with every delete written down in `deleted` (and a moment's pause, so concurrent sweepers interleave). */
export function countingDeletes(inner: BlobStore, deleted: string[]): BlobStore {
  return {
    put: (...args) => inner.put(...args),
    list: (...args) => inner.list(...args),
    signedUrl: (...args) => inner.signedUrl(...args),
    sweepIncomplete: (...args) => inner.sweepIncomplete(...args),
    async delete(container, key) {
      deleted.push(key);
      await new Promise((resolve) => setTimeout(resolve, 1));
      await inner.delete(container, key);
    },
  };
}
