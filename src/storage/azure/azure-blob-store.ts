// Azure Blob Storage. Containers are created on first upload; signed URLs are service SAS links
// (read-only, one blob) signed with the account key from the connection string.
import { BlobSASPermissions, BlobServiceClient, type ContainerClient, RestError } from '@azure/storage-blob';
import type { Readable } from 'node:stream';
import type { BlobEntry, BlobStore, SweptUploads } from '../blob-store.js';
import { isSafeKey } from '../local/local-blob-store.js';
import { countingStream } from '../counting-stream.js';

export interface AzureBlobStoreOptions {
  /** Bytes staged per block. Default 4 MiB; memory per upload stays near blockSize × (concurrency + 1). */
  blockSize?: number;
  /** Blocks staged at once per upload. Default 4. */
  concurrency?: number;
}

export class AzureBlobStore implements BlobStore {
  private readonly service: BlobServiceClient;
  private readonly created = new Map<string, Promise<void>>();
  private readonly blockSize: number;
  private readonly concurrency: number;

  constructor(connectionString: string, options: AzureBlobStoreOptions = {}) {
    this.service = BlobServiceClient.fromConnectionString(connectionString);
    this.blockSize = options.blockSize ?? 4 * 1024 * 1024;
    this.concurrency = options.concurrency ?? 4;
  }

  async put(container: string, key: string, body: Readable, options: { contentType?: string } = {}): Promise<{ size: number }> {
    const blob = this.container(container).getBlockBlobClient(checkedKey(key));
    const counted = countingStream(body);
    try {
      await this.ensureContainer(container);
      // Blocks are staged, then committed in one call: until the commit nobody sees the new blob
      // (an existing one stays whole), and a failed upload leaves only uncommitted blocks, which
      // Azure discards by itself.
      await blob.uploadStream(counted.stream, this.blockSize, this.concurrency, {
        blobHTTPHeaders: { blobContentType: options.contentType ?? 'application/octet-stream' },
      });
    } catch (error) {
      // The SDK only pauses the body on failure: release whatever produces it.
      counted.stream.destroy();
      body.destroy();
      throw error;
    }
    return { size: counted.size() };
  }

  async *list(container: string, prefix: string): AsyncIterable<BlobEntry> {
    try {
      // Azure lists blobs in lexicographic key order, page by page.
      for await (const item of this.container(container).listBlobsFlat({ prefix })) {
        yield { key: item.name, size: item.properties.contentLength ?? 0, lastModified: item.properties.lastModified.getTime() };
      }
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }

  async signedUrl(container: string, key: string, expiresAt: number): Promise<string> {
    const blob = this.container(container).getBlobClient(checkedKey(key));
    const filename = key.split('/').pop()!;
    return blob.generateSasUrl({
      permissions: BlobSASPermissions.parse('r'),
      expiresOn: new Date(expiresAt),
      // A browser saves the file under its own name instead of showing it.
      contentDisposition: `attachment; filename="${filename}"`,
    });
  }

  async delete(container: string, key: string): Promise<void> {
    try {
      await this.container(container).getBlobClient(checkedKey(key)).deleteIfExists();
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * Nothing to do: a failed or abandoned upload leaves only uncommitted blocks, which nobody sees and
   * which Azure discards by itself 7 days after they were staged.
   */
  async sweepIncomplete(): Promise<SweptUploads> {
    return { removed: 0 };
  }

  private container(name: string): ContainerClient {
    return this.service.getContainerClient(name);
  }

  /** Creates the container once per process (private: blobs are reached only through SAS links). */
  private ensureContainer(name: string): Promise<void> {
    let created = this.created.get(name);
    if (!created) {
      created = this.container(name)
        .createIfNotExists()
        .then(() => undefined);
      // A failure is not remembered: the next upload tries again.
      created.catch(() => this.created.delete(name));
      this.created.set(name, created);
    }
    return created;
  }
}

function checkedKey(key: string): string {
  if (!isSafeKey(key)) throw new Error(`unsafe blob key ${JSON.stringify(key.slice(0, 200))}`);
  return key;
}

const isNotFound = (error: unknown) => error instanceof RestError && error.statusCode === 404;
