// Content → a zip of one entry, AES-256 when a password is given, as a Node stream. Deflate runs on
// zlib's thread pool, so the next rows are read and formatted while the last ones are compressed;
// encryption is OpenSSL's. Written for that overlap: zip.js compressed and encrypted in step with
// the rows, and the zip step cost as much as the database's part of a report.
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { constants, createDeflateRaw, crc32, type DeflateRaw, type ZlibOptions } from 'node:zlib';
import { WinZipAes } from './winzip-aes.js';
import { centralDirectory, dataDescriptor, localHeader, type ZipEntry } from './zip-headers.js';

export interface ZipOptions {
  /** The request's encryptionKey; without it the zip is plain. */
  password?: string | undefined;
  /** Aborting fails the stream (and so the upload reading it). */
  signal?: AbortSignal | undefined;
}

/**
 * Deflate level. 6 (zlib's default, which zip.js used) keeps artefacts as small as they were, and at
 * ~120 MB/s of CSV on one core it stays off the critical path: the rows take longer to make.
 */
const LEVEL = constants.Z_DEFAULT_COMPRESSION;
/** CSV accepted by deflate ahead of the compressed output: the overlap, and all that is held. */
const DEFLATE_INPUT_BUFFER = 1 << 20;
const DEFLATE_OUTPUT_CHUNK = 64 * 1024;

/**
 * A readable zip holding `entryName` with `content`. A failure of the content (a database error, a
 * DataError) or an abort destroys the returned stream with that very error; destroying the returned
 * stream (the upload failed) stops the compression and closes the content.
 */
export function zipStream(entryName: string, content: AsyncIterable<Uint8Array>, options: ZipOptions = {}): Readable {
  return Readable.from(zipBytes(entryName, content, options), { objectMode: false, highWaterMark: DEFLATE_OUTPUT_CHUNK });
}

async function* zipBytes(entryName: string, content: AsyncIterable<Uint8Array>, options: ZipOptions): AsyncGenerator<Buffer> {
  const { password, signal } = options;
  signal?.throwIfAborted();
  const entry: ZipEntry = { name: entryName, modified: new Date(), encrypted: password !== undefined, crc32: 0, compressedSize: 0, size: 0 };
  // Transform options pass through zlib's (the type does not list them).
  const deflate = createDeflateRaw({ level: LEVEL, chunkSize: DEFLATE_OUTPUT_CHUNK, writableHighWaterMark: DEFLATE_INPUT_BUFFER } as ZlibOptions);
  const stop = new AbortController();
  const feeding = feed(content, deflate, entry, signal, stop.signal);
  // Its failure reaches the reader through deflate first; awaited below, this only keeps Node from
  // calling the rejection unhandled in between.
  feeding.catch(() => {});
  // An abort (a lost lease) ends the zip at once, even while the content is still making a chunk.
  const onAbort = () => deflate.destroy(toError(signal!.reason));
  signal?.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    const head = localHeader(entry);
    let offset = head.length;
    yield head;
    const aes = password === undefined ? undefined : WinZipAes.start(password);
    if (aes) {
      yield aes.preamble;
      entry.compressedSize += aes.preamble.length;
    }
    for await (const compressed of deflate as AsyncIterable<Buffer>) {
      const bytes = aes ? aes.encrypt(compressed) : compressed;
      entry.compressedSize += bytes.length;
      yield bytes;
    }
    // Deflate ended: the content did too (or its error is thrown here).
    await feeding;
    if (aes) {
      const code = aes.authenticationCode();
      entry.compressedSize += code.length;
      yield code;
    }
    offset += entry.compressedSize;
    const descriptor = dataDescriptor(entry);
    yield descriptor;
    offset += descriptor.length;
    yield centralDirectory(entry, 0, offset);
    finished = true;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      // The reader gave up (an upload failed) or something failed: stop feeding, which closes the
      // content once its current chunk is made. After an abort that chunk may never come (a stalled
      // query): then the zip fails without waiting for it.
      stop.abort();
      deflate.destroy();
      if (!signal?.aborted) await feeding.catch(() => {});
    }
  }
}

/**
 * Writes the content into deflate as fast as deflate takes it, counting its size (and its CRC-32 for
 * a plain zip: AES entries carry a MAC instead). A failure destroys deflate with that error, which
 * is what the reader of the zip then sees.
 */
async function feed(content: AsyncIterable<Uint8Array>, deflate: DeflateRaw, entry: ZipEntry, signal: AbortSignal | undefined, stop: AbortSignal): Promise<void> {
  const stopped = signal ? AbortSignal.any([signal, stop]) : stop;
  try {
    for await (const chunk of content) {
      if (stopped.aborted) break;
      entry.size += chunk.length;
      if (!entry.encrypted) entry.crc32 = crc32(chunk, entry.crc32);
      if (!deflate.write(chunk)) await once(deflate, 'drain', { signal: stopped });
    }
    signal?.throwIfAborted();
    if (!stop.aborted) deflate.end();
  } catch (error) {
    const reason = signal?.aborted ? signal.reason : error;
    if (!stop.aborted) deflate.destroy(toError(reason));
    throw reason;
  }
}

const toError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)));
