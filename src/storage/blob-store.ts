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
  close?(): Promise<void>;
}

/** Signs the stored relative keys of a request for one read. */
export type LinkSigner = (keys: readonly string[]) => Promise<{ urls: string[]; expiresAt: number }>;
