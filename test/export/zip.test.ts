// The zip writer against the tools a recipient opens artefacts with: 7-Zip (AES-256) and Info-ZIP
// unzip (plain zips); and its ZIP64 records, which only files over 4 GiB need.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { buffer } from 'node:stream/consumers';
import { zipStream } from '../../src/export/zip.js';
import { centralDirectory, dataDescriptor, type ZipEntry } from '../../src/export/zip-headers.js';

const run = promisify(execFile);

async function* pieces(text: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < text.length; i += size) yield text.subarray(i, i + size);
}

/** ~6 MB of CSV-like text, partly random so that deflate does not shrink it to nothing. */
function sampleCsv(): Buffer {
  const lines = ['id,name,noise'];
  for (let i = 0; i < 40_000; i++) lines.push(`${i},Zoë Ñandú 日本語 ${i % 97},${randomBytes(48).toString('base64')}`);
  return Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
}

describe('zip writer', () => {
  let dir: string;
  let csv: Buffer;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'exhaust-zip-'));
    csv = sampleCsv();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('7-Zip opens the AES-256 zip with the key, and only with it', async () => {
    const file = join(dir, 'aes.zip');
    writeFileSync(file, await buffer(zipStream('report.csv', pieces(csv, 70_001), { password: 'pa ss "wörd"' })));
    const listed = await run('7z', ['l', '-slt', '-ppa ss "wörd"', file]);
    assert.match(listed.stdout, /Method = AES-256 Deflate/);
    assert.match(listed.stdout, /Path = report\.csv/);
    const extracted = await run('7z', ['x', '-so', '-ppa ss "wörd"', file], { encoding: 'buffer', maxBuffer: 64 << 20 });
    assert.ok(extracted.stdout.equals(csv), 'the CSV comes out byte for byte');
    await assert.rejects(run('7z', ['t', '-pwrong', file]), /Wrong password/);
  });

  test('a plain zip passes unzip -t and 7-Zip, CRC-32 checked', async () => {
    const file = join(dir, 'plain.zip');
    writeFileSync(file, await buffer(zipStream('report.csv', pieces(csv, 65_536))));
    const tested = await run('unzip', ['-t', file]);
    assert.match(tested.stdout, /No errors detected/);
    const extracted = await run('unzip', ['-p', file], { encoding: 'buffer', maxBuffer: 64 << 20 });
    assert.ok(extracted.stdout.equals(csv));
    assert.match((await run('7z', ['t', file])).stdout, /Everything is Ok/);
  });

  test('an empty entry is a valid zip', async () => {
    const file = join(dir, 'empty.zip');
    writeFileSync(file, await buffer(zipStream('empty.csv', pieces(Buffer.alloc(0), 1), { password: 'k' })));
    assert.match((await run('7z', ['t', '-pk', file])).stdout, /Everything is Ok/);
  });

  test('sizes past 4 GiB take the ZIP64 forms of the descriptor, the directory and its end', () => {
    const entry: ZipEntry = { name: 'big.csv', modified: new Date(2024, 0, 15), encrypted: true, crc32: 0, compressedSize: 600_000_000, size: 5_000_000_000 };
    const descriptor = dataDescriptor(entry);
    assert.equal(descriptor.length, 24);
    assert.equal(descriptor.readBigUInt64LE(8), 600_000_000n);
    assert.equal(descriptor.readBigUInt64LE(16), 5_000_000_000n);
    const directoryOffset = 4_500_000_000;
    const end = centralDirectory(entry, 0, directoryOffset);
    const header = end.subarray(0, 46);
    assert.equal(header.readUInt32LE(20), 0xffffffff);
    assert.equal(header.readUInt32LE(24), 0xffffffff);
    const extra = end.subarray(46 + 7, 46 + 7 + header.readUInt16LE(30));
    assert.equal(extra.readUInt16LE(0), 0x0001);
    assert.equal(extra.readBigUInt64LE(4), 5_000_000_000n);
    assert.equal(extra.readBigUInt64LE(12), 600_000_000n);
    assert.equal(extra.readUInt16LE(20), 0x9901, 'the AES field follows');
    const directorySize = 46 + 7 + extra.length;
    const record = end.subarray(directorySize, directorySize + 56);
    assert.equal(record.readUInt32LE(0), 0x06064b50);
    assert.equal(record.readBigUInt64LE(48), BigInt(directoryOffset));
    const locator = end.subarray(directorySize + 56, directorySize + 76);
    assert.equal(locator.readUInt32LE(0), 0x07064b50);
    assert.equal(locator.readBigUInt64LE(8), BigInt(directoryOffset + directorySize));
    const last = end.subarray(end.length - 22);
    assert.equal(last.readUInt32LE(0), 0x06054b50);
    assert.equal(last.readUInt32LE(16), 0xffffffff);
    // Below the limit: the short forms, no ZIP64 field.
    const small = centralDirectory({ ...entry, compressedSize: 10, size: 100 }, 0, 200);
    assert.equal(small.length, 46 + 7 + 11 + 22);
    assert.equal(dataDescriptor({ ...entry, compressedSize: 10, size: 100 }).length, 16);
  });
});
