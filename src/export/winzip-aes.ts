// WinZip AES (AE-2) encryption of a zip entry's compressed bytes. The cipher is AES in counter mode
// with a little-endian counter from 1. OpenSSL's CTR counts big-endian, so the counter blocks are
// made here and encrypted in bulk with ECB; the key stream is XORed onto the data. Only compressed
// bytes pass through it (a tenth of the CSV).
import { type Cipher, createCipheriv, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

const BLOCK = 16;

class WinZipAesCipher {
  private readonly ecb: Cipher;
  /** The last counter used, as two 32-bit halves (2⁶⁴ blocks is more than any file). */
  private low = 0;
  private high = 0;
  /** Key stream left over from the last block of the previous update. */
  private spare: Buffer = Buffer.alloc(0);

  constructor(key: Buffer) {
    this.ecb = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
    this.ecb.setAutoPadding(false);
  }

  update(plain: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(plain.length);
    const fromSpare = Math.min(this.spare.length, plain.length);
    for (let i = 0; i < fromSpare; i++) out[i] = plain[i]! ^ this.spare[i]!;
    this.spare = this.spare.subarray(fromSpare);
    const rest = plain.length - fromSpare;
    if (rest === 0) return out;
    const blocks = Math.ceil(rest / BLOCK);
    const counters = Buffer.alloc(blocks * BLOCK);
    for (let b = 0; b < blocks; b++) {
      this.low = (this.low + 1) >>> 0;
      if (this.low === 0) this.high = (this.high + 1) >>> 0;
      counters.writeUInt32LE(this.low, b * BLOCK);
      counters.writeUInt32LE(this.high, b * BLOCK + 4);
    }
    const stream = this.ecb.update(counters);
    for (let j = 0; j < rest; j++) out[fromSpare + j] = plain[fromSpare + j]! ^ stream[j]!;
    this.spare = stream.subarray(rest);
    return out;
  }
}

/** WinZip AES-256 (AE-2) of one entry: salt and verifier, then encrypted data, then its MAC. */
export class WinZipAes {
  private constructor(
    readonly preamble: Buffer,
    private readonly cipher: WinZipAesCipher,
    private readonly mac: ReturnType<typeof createHmac>,
  ) {}

  static start(password: string): WinZipAes {
    const salt = randomBytes(16);
    // 32 bytes of key, 32 of MAC key, 2 of password verifier; 1000 rounds of SHA-1, as the format says.
    const derived = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, 1000, 66, 'sha1');
    return new WinZipAes(Buffer.concat([salt, derived.subarray(64, 66)]), new WinZipAesCipher(derived.subarray(0, 32)), createHmac('sha1', derived.subarray(32, 64)));
  }

  encrypt(plain: Buffer): Buffer {
    const encrypted = this.cipher.update(plain);
    this.mac.update(encrypted);
    return encrypted;
  }

  /** The first 10 bytes of HMAC-SHA1 over the encrypted data. */
  authenticationCode(): Buffer {
    return this.mac.digest().subarray(0, 10);
  }
}
