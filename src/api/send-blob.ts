// Sends one file of the local blob store: content type by extension, one byte range, 404/416
// envelopes. Shared by signed downloads and the public files the local store serves as a "CDN".
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LocalBlobStore } from '../storage/local/local-blob-store.js';
import { errorEnvelope } from './envelope.js';

const CONTENT_TYPES: Record<string, string> = {
  '.zip': 'application/zip',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.gz': 'application/gzip',
  '.txt': 'text/plain; charset=utf-8',
};

export interface SendOptions {
  /** `attachment` makes browsers save the file under its own name. */
  attachment: boolean;
  cacheControl: string;
  notFound: string;
}

export async function sendBlob(
  request: FastifyRequest,
  reply: FastifyReply,
  store: LocalBlobStore,
  where: { container: string; key: string },
  options: SendOptions,
) {
  // open() refuses keys that would leave the container ('..', empty segments, backslashes).
  const blob = await store.open(where.container, where.key);
  if (!blob) return reply.status(404).send(errorEnvelope(request, 'RESOURCE_NOT_FOUND', options.notFound));
  const range = parseRange(request.headers.range, blob.size);
  if (range === 'unsatisfiable') {
    await blob.close();
    return reply
      .status(416)
      .header('content-range', `bytes */${blob.size}`)
      .send(errorEnvelope(request, 'CLIENT_ERROR', `requested range not satisfiable: the file has ${blob.size} bytes`));
  }
  const name = where.key.split('/').pop() ?? where.key;
  reply
    .header('content-type', contentTypeOf(name))
    .header('accept-ranges', 'bytes')
    .header('last-modified', new Date(blob.lastModified).toUTCString())
    .header('cache-control', options.cacheControl);
  if (options.attachment) reply.header('content-disposition', attachment(name));
  if (range) {
    return reply
      .status(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${blob.size}`)
      .header('content-length', range.end - range.start + 1)
      .send(blob.stream(range));
  }
  return reply.status(200).header('content-length', blob.size).send(blob.stream());
}

function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 && CONTENT_TYPES[name.slice(dot).toLowerCase()]) || 'application/octet-stream';
}

/** `attachment; filename="…"`, with an RFC 6266 `filename*` when the name is not plain ASCII. */
function attachment(name: string): string {
  if (/^[\x20-\x7e]+$/.test(name) && !/["\\]/.test(name)) return `attachment; filename="${name}"`;
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * One byte range (RFC 9110 §14.1.2). Undefined means "send it all": no header, a syntax we do not
 * read, or several ranges (a server may ignore Range; multipart answers buy a download client nothing).
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    // The last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
