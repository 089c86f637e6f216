// One HTTP POST of a webhook delivery, with node:http so that the connection goes through the
// public-only lookup (endpoint.ts). Redirects are not followed: a 3xx is a failed attempt.
import http from 'node:http';
import https from 'node:https';
import { literalRefusal, publicOnlyLookup } from './endpoint.js';

export interface SendOutcome {
  /** The HTTP status; undefined when there was no answer. */
  status?: number;
  /** Why the attempt failed: the status, a timeout, a refused address, a network error. */
  error?: string;
  /** Retrying cannot help (the endpoint is a private address): the delivery is given up. */
  final?: boolean;
}

export function send(rawUrl: string, body: string, headers: Record<string, string>, options: { timeoutMs: number; allowPrivate: boolean }): Promise<SendOutcome> {
  const url = new URL(rawUrl);
  if (!options.allowPrivate) {
    const refused = literalRefusal(url);
    if (refused) return Promise.resolve({ error: refused, final: true });
  }
  return new Promise((resolve) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        signal: AbortSignal.timeout(options.timeoutMs),
        ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup }),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        // The answer's body is not read: drained and dropped.
        response.on('error', () => undefined);
        response.resume();
        resolve(status >= 200 && status < 300 ? { status } : { status, error: `the endpoint answered ${status}` });
      },
    );
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EXHAUST_PRIVATE_ADDRESS') return resolve({ error: err.message, final: true });
      const timedOut = err.name === 'AbortError' || err.name === 'TimeoutError';
      resolve({ error: timedOut ? `no answer within ${options.timeoutMs / 1000} s` : `${err.code ?? 'error'}: ${err.message}` });
    });
    request.end(body);
  });
}
