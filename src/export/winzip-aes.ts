// The cipher of WinZip AES entries: AES in counter mode with a little-endian counter from 1. OpenSSL's
// CTR counts big-endian, so the counter blocks are made here and encrypted in bulk with ECB; the
// key stream is XORed onto the data. Only compressed bytes pass through it (a tenth of the CSV).
import { type Cipher, createCipheriv } from 'node:crypto';

const BLOCK = 16;

export class WinZipAesCipher {
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
