// S3 and S3-compatible servers (AWS, MinIO, Ceph RGW, Swift s3api). Containers are buckets, created
// on first upload; signed URLs are SigV4 presigned GETs.
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import type { BlobEntry, BlobStore, SweptUploads } from '../blob-store.js';
import { countingStream } from '../counting-stream.js';
import { isSafeKey } from '../local/local-blob-store.js';

export interface S3Settings {
  /** Unset means AWS itself. */
  endpoint?: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export interface S3BlobStoreOptions {
  /** Bytes per multipart part. Default 5 MiB (S3's minimum); memory per upload stays near partSize × (queueSize + 1). */
  partSize?: number;
  /** Parts uploaded at once per upload. Default 4. */
  queueSize?: number;
  /** The clock links are signed against (epoch ms). Default Date.now: the server checks real time. */
  now?: () => number;
}

/** SigV4 presigned links live at most a week. */
export const MAX_LINK_SECONDS = 7 * 24 * 60 * 60;

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly created = new Map<string, Promise<void>>();

  constructor(
    private readonly settings: S3Settings,
    private readonly options: S3BlobStoreOptions = {},
  ) {
    this.client = new S3Client({
      region: settings.region,
      ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
      forcePathStyle: settings.forcePathStyle,
      // Explicit credentials and defaults mode: the SDK's default chains would probe a cloud metadata
      // address for them.
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      defaultsMode: 'standard',
      // Newer SDKs add CRC32 checksums (and aws-chunked bodies) that many S3-compatible servers reject.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(container: string, key: string, body: Readable, options: { contentType?: string } = {}): Promise<{ size: number }> {
    checkKey(key);
    const counted = countingStream(body);
    try {
      await this.ensureBucket(container);
      // A body under one part goes up in one PutObject; a larger one as a multipart upload, which
      // S3 shows only once completed. On failure lib-storage aborts the multipart upload, so
      // neither a partial object nor its parts stay behind (an existing object stays whole).
      await new Upload({
        client: this.client,
        params: { Bucket: container, Key: key, Body: counted.stream, ContentType: options.contentType ?? 'application/octet-stream' },
        partSize: this.options.partSize ?? 5 * 1024 * 1024,
        queueSize: this.options.queueSize ?? 4,
        leavePartsOnError: false,
      }).done();
    } catch (error) {
      counted.stream.destroy();
      body.destroy();
      throw error;
    }
    return { size: counted.size() };
  }

  async *list(container: string, prefix: string): AsyncIterable<BlobEntry> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: container, Prefix: prefix, ContinuationToken: token }));
      } catch (error) {
        if (errorName(error) === 'NoSuchBucket') return;
        throw error;
      }
      // S3 lists keys in UTF-8 binary order.
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * A presigned GET that stops working at `expiresAt` (to the second). SigV4 caps a link at 7 days:
   * a later expiry gives a link of 7 days. An expiry already past gives a link that is already dead,
   * as the other stores do.
   */
  async signedUrl(container: string, key: string, expiresAt: number): Promise<string> {
    checkKey(key);
    const now = Math.floor((this.options.now ?? Date.now)() / 1000);
    const end = Math.floor(expiresAt / 1000);
    // The link is valid from its signing date for expiresIn seconds; both are chosen so that it ends at `end`.
    const expiresIn = Math.min(Math.max(end - now, 1), MAX_LINK_SECONDS);
    const signedAt = end - now < 1 ? end - 1 : now;
    const filename = key.split('/').pop()!;
    return getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: container, Key: key, ResponseContentDisposition: `attachment; filename="${filename}"` }),
      { expiresIn, signingDate: new Date(signedAt * 1000) },
    );
  }

  async delete(container: string, key: string): Promise<void> {
    checkKey(key);
    try {
      // Deleting a missing key succeeds in S3.
      await this.client.send(new DeleteObjectCommand({ Bucket: container, Key: key }));
    } catch (error) {
      if (errorName(error) !== 'NoSuchBucket') throw error;
    }
  }

  /**
   * Aborts the multipart uploads to `container` that a dead writer left incomplete: started before
   * `idleBefore`, and no part uploaded since. S3 keeps (and bills) their parts until they are
   * aborted; a live upload sends a part every 5 MiB of its body, so it is never taken for dead.
   */
  async sweepIncomplete(container: string, idleBefore: number): Promise<SweptUploads> {
    let removed = 0;
    let bytes = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: container, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
      } catch (error) {
        if (errorName(error) === 'NoSuchBucket') break;
        throw error;
      }
      for (const upload of page.Uploads ?? []) {
        const { Key, UploadId, Initiated } = upload;
        if (Key === undefined || UploadId === undefined || Initiated === undefined || Initiated.getTime() >= idleBefore) continue;
        const parts = await this.partsOf(container, Key, UploadId);
        if (parts === undefined || parts.lastWritten >= idleBefore) continue;
        try {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: container, Key, UploadId }));
        } catch (error) {
          // Completed, or aborted by another process sweeping at the same time: not ours to count.
          if (errorName(error) === 'NoSuchUpload') continue;
          throw error;
        }
        removed += 1;
        bytes += parts.bytes;
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker !== undefined);
    return { removed, bytes };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** The bytes of an incomplete upload's parts and when the last one came; undefined when the upload is gone. */
  private async partsOf(bucket: string, key: string, uploadId: string): Promise<{ bytes: number; lastWritten: number } | undefined> {
    let bytes = 0;
    let lastWritten = 0;
    let marker: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
      } catch (error) {
        if (errorName(error) === 'NoSuchUpload') return undefined;
        throw error;
      }
      for (const part of page.Parts ?? []) {
        bytes += part.Size ?? 0;
        lastWritten = Math.max(lastWritten, part.LastModified?.getTime() ?? 0);
      }
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker !== undefined);
    return { bytes, lastWritten };
  }

  /** Creates the bucket once per process when it is missing. */
  private ensureBucket(bucket: string): Promise<void> {
    let created = this.created.get(bucket);
    if (!created) {
      created = this.createIfMissing(bucket);
      // A failure is not remembered: the next upload tries again.
      created.catch(() => this.created.delete(bucket));
      this.created.set(bucket, created);
    }
    return created;
  }

  private async createIfMissing(bucket: string): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (error) {
      // 403: credentials that may write objects but not look at buckets; let the upload tell.
      if (status(error) === 403) return;
      if (status(error) !== 404) throw error;
    }
    try {
      await this.client.send(
        new CreateBucketCommand({
          Bucket: bucket,
          // AWS wants the region named everywhere but in us-east-1.
          ...(this.settings.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: this.settings.region as never } }),
        }),
      );
    } catch (error) {
      // Another process created it meanwhile.
      if (errorName(error) !== 'BucketAlreadyOwnedByYou') throw error;
    }
  }
}

function checkKey(key: string): void {
  if (!isSafeKey(key)) throw new Error(`unsafe blob key ${JSON.stringify(key.slice(0, 200))}`);
}

const errorName = (error: unknown) => (error instanceof S3ServiceException ? error.name : undefined);
const status = (error: unknown) => (error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined);
