// Where artefacts and daily exhaust files live. One interface, several backends (local files by
// default; Azure Blob and S3 for production). Keys are relative, `/`-separated, never absolute.
import type { Readable } from 'node:stream';

export interface BlobEntry {
  key: string;
  size: number;
  lastModified: number;
}

export interface BlobStore {
  /** Streams `body` to `container/key`; the object appears whole or not at all. */
  put(container: string, key: string, body: Readable, options?: { contentType?: string }): Promise<{ size: number }>;
  /** Objects whose key starts with `prefix`, in key order. */
  list(container: string, prefix: string): AsyncIterable<BlobEntry>;
  /** A download link that stops working at `expiresAt` (epoch ms). */
  signedUrl(container: string, key: string, expiresAt: number): Promise<string>;
  delete(container: string, key: string): Promise<void>;
  /**
   * Removes the temporary uploads to `container` that a writer left behind when it died: those with
   * nothing written since `idleBefore` (epoch ms). Where a store shows a partial upload to nobody,
   * this is the only way it goes away: the local store's part files, S3's incomplete multipart
   * uploads (which cost storage until aborted). Azure needs nothing: it discards uncommitted blocks
   * by itself after 7 days. Safe to run from several processes at once: each upload is counted by
   * the one that removed it.
   */
  sweepIncomplete(container: string, idleBefore: number): Promise<SweptUploads>;
  close?(): Promise<void>;
}

export interface SweptUploads {
  /** Temporary uploads removed. */
  removed: number;
  /** Their bytes, when the store can tell. */
  bytes?: number;
}

/** Signs the stored relative keys of a request for one read. */
export type LinkSigner = (keys: readonly string[]) => Promise<{ urls: string[]; expiresAt: number }>;
