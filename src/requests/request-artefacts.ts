// A request's artefacts in the store: the keys stored with it, and whatever else lies under its
// folder `<dataset>/<requestId>/` (DESIGN §4) — batches an attempt wrote before it failed or was
// cancelled. Deleted by the sweeper (expired, failed, cancelled) and by a cancelled build at once.
import type { BlobStore } from '../storage/blob-store.js';
import { SAFE_ID } from './request.js';

/** Deletes them all; the count and the bytes, as far as the store listed them. */
export async function deleteRequestArtefacts(
  store: BlobStore,
  container: string,
  request: { dataset: string; requestId: string; keys: readonly string[] },
): Promise<{ count: number; bytes: number }> {
  const sizes = new Map<string, number | undefined>(request.keys.map((key) => [key, undefined]));
  // Both are path-safe by construction; checked anyway, as a folder to empty had better be the request's own.
  if (SAFE_ID.test(request.dataset) && SAFE_ID.test(request.requestId)) {
    for await (const entry of store.list(container, `${request.dataset}/${request.requestId}/`)) sizes.set(entry.key, entry.size);
  }
  await Promise.all([...sizes.keys()].map((key) => store.delete(container, key)));
  return { count: sizes.size, bytes: [...sizes.values()].reduce<number>((sum, size) => sum + (size ?? 0), 0) };
}
