// The fixed records of a zip of one streamed entry (APPNOTE 6.3): a local header without sizes (flag
// bit 3), a data descriptor after the data, and the central directory. ZIP64 fields appear only when
// a size or offset needs them, as Go's archive/zip writes them; 7-Zip, Info-ZIP and zip.js read this.

export interface ZipEntry {
  name: string;
  modified: Date;
  /** WinZip AES-256, AE-2: no CRC (the MAC covers the data), method 99 with deflate inside. */
  encrypted: boolean;
  crc32: number;
  /** Bytes stored, AES salt, verifier and MAC included. */
  compressedSize: number;
  size: number;
}

const DEFLATE = 8;
const AES = 99;
const FLAG_ENCRYPTED = 1 << 0;
const FLAG_DATA_DESCRIPTOR = 1 << 3;
const FLAG_UTF8 = 1 << 11;
const MAX32 = 0xffffffff;
/** Version made by: Unix, APPNOTE 6.3. */
const MADE_BY = (3 << 8) | 63;
/** -rw-r--r-- regular file, in the upper half of the external attributes (Unix). */
const FILE_MODE = 0o100644 * 0x10000;

const needsZip64 = (e: ZipEntry) => e.size >= MAX32 || e.compressedSize >= MAX32;
const versionNeeded = (e: ZipEntry, zip64: boolean) => (e.encrypted ? 51 : zip64 ? 45 : 20);
const flags = (e: ZipEntry) => (e.encrypted ? FLAG_ENCRYPTED : 0) | FLAG_DATA_DESCRIPTOR | FLAG_UTF8;

/** Extra field 0x9901: AE-2, vendor "AE", AES-256, deflate. */
function aesExtra(): Buffer {
  const b = Buffer.alloc(11);
  b.writeUInt16LE(0x9901, 0);
  b.writeUInt16LE(7, 2);
  b.writeUInt16LE(2, 4);
  b.write('AE', 6, 'latin1');
  b.writeUInt8(3, 8);
  b.writeUInt16LE(DEFLATE, 9);
  return b;
}

/** MS-DOS date and time, in the server's zone as zip tools expect. */
function dosDateTime(d: Date): { date: number; time: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
  };
}

export function localHeader(e: ZipEntry): Buffer {
  const name = Buffer.from(e.name, 'utf8');
  const extra = e.encrypted ? aesExtra() : Buffer.alloc(0);
  const { date, time } = dosDateTime(e.modified);
  const b = Buffer.alloc(30);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(versionNeeded(e, false), 4);
  b.writeUInt16LE(flags(e), 6);
  b.writeUInt16LE(e.encrypted ? AES : DEFLATE, 8);
  b.writeUInt16LE(time, 10);
  b.writeUInt16LE(date, 12);
  // CRC-32 and sizes follow the data, in the data descriptor.
  b.writeUInt16LE(name.length, 26);
  b.writeUInt16LE(extra.length, 28);
  return Buffer.concat([b, name, extra]);
}

export function dataDescriptor(e: ZipEntry): Buffer {
  if (!needsZip64(e)) {
    const b = Buffer.alloc(16);
    b.writeUInt32LE(0x08074b50, 0);
    b.writeUInt32LE(e.crc32 >>> 0, 4);
    b.writeUInt32LE(e.compressedSize, 8);
    b.writeUInt32LE(e.size, 12);
    return b;
  }
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(e.crc32 >>> 0, 4);
  b.writeBigUInt64LE(BigInt(e.compressedSize), 8);
  b.writeBigUInt64LE(BigInt(e.size), 16);
  return b;
}

/** The central directory of the one entry (its local header at `headerOffset`), then the end records. */
export function centralDirectory(e: ZipEntry, headerOffset: number, directoryOffset: number): Buffer {
  const name = Buffer.from(e.name, 'utf8');
  const zip64 = needsZip64(e);
  const extras: Buffer[] = [];
  if (zip64) {
    const z = Buffer.alloc(20);
    z.writeUInt16LE(0x0001, 0);
    z.writeUInt16LE(16, 2);
    z.writeBigUInt64LE(BigInt(e.size), 4);
    z.writeBigUInt64LE(BigInt(e.compressedSize), 12);
    extras.push(z);
  }
  if (e.encrypted) extras.push(aesExtra());
  const extra = Buffer.concat(extras);
  const { date, time } = dosDateTime(e.modified);
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(MADE_BY, 4);
  h.writeUInt16LE(versionNeeded(e, zip64), 6);
  h.writeUInt16LE(flags(e), 8);
  h.writeUInt16LE(e.encrypted ? AES : DEFLATE, 10);
  h.writeUInt16LE(time, 12);
  h.writeUInt16LE(date, 14);
  h.writeUInt32LE(e.crc32 >>> 0, 16);
  h.writeUInt32LE(zip64 ? MAX32 : e.compressedSize, 20);
  h.writeUInt32LE(zip64 ? MAX32 : e.size, 24);
  h.writeUInt16LE(name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  h.writeUInt32LE(FILE_MODE, 38);
  h.writeUInt32LE(headerOffset, 42);
  const directory = Buffer.concat([h, name, extra]);
  return Buffer.concat([directory, ...endRecords(directory.length, directoryOffset)]);
}

/** The end of central directory record, preceded by the ZIP64 end record and locator when its offset needs 64 bits. */
function endRecords(directorySize: number, directoryOffset: number): Buffer[] {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(directorySize, 12);
  if (directoryOffset < MAX32) {
    end.writeUInt32LE(directoryOffset, 16);
    return [end];
  }
  end.writeUInt32LE(MAX32, 16);
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(MADE_BY, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(1n, 24);
  record.writeBigUInt64LE(1n, 32);
  record.writeBigUInt64LE(BigInt(directorySize), 40);
  record.writeBigUInt64LE(BigInt(directoryOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(directoryOffset + directorySize), 8);
  locator.writeUInt32LE(1, 16);
  return [record, locator, end];
}
