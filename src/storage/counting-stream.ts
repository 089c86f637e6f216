// Shared by the cloud stores: a body passed through unchanged while its bytes are counted (the
// SDKs' upload results do not say how much was sent).
import { Readable } from 'node:stream';

export interface CountedStream {
  stream: Readable;
  /** Bytes that went through so far; the full size once the stream has ended. */
  size(): number;
}

export function countingStream(body: Readable): CountedStream {
  let size = 0;
  async function* chunks(): AsyncGenerator<Buffer> {
    // An error of the body surfaces here, so the SDK sees it and abandons the upload.
    for await (const chunk of body as AsyncIterable<string | Uint8Array>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      size += bytes.length;
      yield bytes;
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), size: () => size };
}
