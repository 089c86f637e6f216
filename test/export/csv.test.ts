import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { csvChunks, csvRecord } from '../../src/export/csv.js';

/** The records one by one, no slabs: what the chunks must add up to. */
const csvText = (rows: unknown[][]) => rows.map(csvRecord).join('');

async function* inChunks(rows: unknown[][], size: number): AsyncGenerator<unknown[][]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

async function csvOf(columns: string[], rows: unknown[][], size: number): Promise<{ text: string; chunks: number }> {
  const parts: Buffer[] = [];
  for await (const chunk of csvChunks(columns, inChunks(rows, size))) parts.push(Buffer.from(chunk));
  return { text: Buffer.concat(parts).toString('utf8'), chunks: parts.length };
}

describe('CSV chunks', () => {
  test('records crossing from one slab to the next are whole, multi-byte text included', async () => {
    // ~1.3 KB a record, two-byte and astral characters in it: 3 MB of CSV, several 1 MiB slabs, and
    // chunks of 7 records, so that slab changes fall in the middle of chunks.
    const rows = Array.from({ length: 2400 }, (_, i) => [i, `${'Zoë — 日本語 🎓 '.repeat(60)}${i}`, i % 5 === 0 ? 'a,"b"\r\nc' : 'plain']);
    const { text, chunks } = await csvOf(['n', 'name', 'note'], rows, 7);
    assert.equal(text, csvText([['n', 'name', 'note'], ...rows]));
    assert.equal(chunks, 1 + Math.ceil(rows.length / 7));
  });

  test('a record longer than a slab is written whole', async () => {
    const huge = 'x'.repeat(3 << 20);
    const rows = [['a', 1], [huge, 2], ['b', 3]];
    assert.equal((await csvOf(['c', 'n'], rows, 2)).text, csvText([['c', 'n'], ...rows]));
  });

  test('chunks already handed out are not overwritten by later ones', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => [`row ${i} ${'é'.repeat(400)}`]);
    const held: Buffer[] = [];
    for await (const chunk of csvChunks(['r'], inChunks(rows, 100))) held.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    assert.equal(Buffer.concat(held).toString('utf8'), csvText([['r'], ...rows]));
  });
});
