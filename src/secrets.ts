// Encryption keys at rest: AES-256-GCM under a key derived from EXHAUST_SECRET.
import { createCipheriv, createDecipheriv, createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';

/** Separate keys per purpose, so a signed link never doubles as a decryption key. */
export function deriveKey(secret: string, purpose: 'stored-keys' | 'signed-urls' | 'sessions'): Buffer {
  return createHmac('sha256', secret).update(`data-exhaust:${purpose}`).digest();
}

const IV_BYTES = 12;
// randomBytes(12) costs ~5 µs a call (one crypto job each): a third of a submit's sealing. IVs are
// cut from a pool of CSPRNG bytes refilled 3 KiB at a time instead, as node's randomUUID does. Each
// slice is handed out once, so an IV never repeats under a key.
const ivPool = Buffer.alloc(IV_BYTES * 256);
let ivTaken = ivPool.length;

function freshIv(): Buffer {
  if (ivTaken === ivPool.length) {
    randomFillSync(ivPool);
    ivTaken = 0;
  }
  ivTaken += IV_BYTES;
  return Buffer.from(ivPool.subarray(ivTaken - IV_BYTES, ivTaken));
}

export function sealSecret(plain: string, key: Buffer): string {
  const iv = freshIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
}

export function openSecret(sealed: string, key: Buffer): string {
  const [version, iv, tag, body] = sealed.split(':');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unrecognised sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
}

/** Constant-time comparison of two strings (tokens, signatures). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
