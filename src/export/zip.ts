// Content → a zip of one entry, AES-256 when a password is given, as a Node stream. zip.js pulls the
// content only as fast as the consumer of the zip reads it: nothing is buffered whole.
import { Readable } from 'node:stream';
import { ZipWriter } from '@zip.js/zip.js';

export interface ZipOptions {
  /** The request's encryptionKey; without it the zip is plain. */
  password?: string | undefined;
  /** Aborting fails the stream (and so the upload reading it). */
  signal?: AbortSignal | undefined;
}

/**
 * A readable zip holding `entryName` with `content`. A failure of the content (a database error, a
 * DataError) or an abort destroys the returned stream with that very error; destroying the returned
 * stream (the upload failed) stops zip.js and closes the content.
 */
export function zipStream(entryName: string, content: AsyncIterable<Uint8Array>, options: ZipOptions = {}): Readable {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = new ZipWriter(writable, {
    // Node has no web workers; compression runs on zlib through CompressionStream anyway.
    useWebWorkers: false,
    ...(options.password !== undefined ? { password: options.password, encryptionStrength: 3 as const } : {}),
  });
  const output = Readable.fromWeb(readable as import('node:stream/web').ReadableStream<Uint8Array>);
  const iterator = content[Symbol.asyncIterator]();
  let failure: unknown;
  let cancelled = false;
  // Pull-based: the next chunk is produced only when zip.js asks for it.
  const source = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await iterator.next();
          // zip.js gave up on the content (an abort) while the chunk was being made: its reason,
          // not a write to the closed stream, is what the caller must see.
          if (cancelled) return;
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          if (cancelled) return;
          failure ??= error;
          controller.error(error);
        }
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  void (async () => {
    try {
      await writer.add(entryName, source, options.signal ? { signal: options.signal } : {});
      await writer.close();
    } catch (error) {
      // The content's own error (e.g. a DataError) wins over zip.js's wrapping of it.
      output.destroy(toError(failure ?? options.signal?.reason ?? error));
      // Closes a database cursor the rows may hold open.
      await iterator.return?.().catch(() => {});
    }
  })();
  return output;
}

const toError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)));
