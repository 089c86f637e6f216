import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DataError } from '../../src/datasets/dataset.js';
import { artefactDay, artefactKey, writeArtefact } from '../../src/export/artefact.js';
import { csvChunks } from '../../src/export/csv.js';
import { zipStream } from '../../src/export/zip.js';
import { LocalBlobStore } from '../../src/storage/local/local-blob-store.js';
import { filesUnder } from '../helpers/files.js';
import { openZip } from '../helpers/zip.js';

/** Rows as a report streams them: in chunks of `size`. */
async function* inChunks(rows: unknown[][], size = 2): AsyncGenerator<unknown[][]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

describe('artefact pipeline: rows → CSV → zip → storage', () => {
  let root: string;
  let store: LocalBlobStore;
  const container = 'reports';
  const read = (key: string) => new Uint8Array(readFileSync(join(root, container, key)));

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'exhaust-export-'));
    store = new LocalBlobStore(root, 'http://127.0.0.1:8080', Buffer.alloc(32, 7));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const columns = ['Batch Id', 'User Name', 'Note', 'Score', 'Consent'];
  const rows: unknown[][] = [
    ['BatchId_b1', 'Plain', 'simple', 10, true],
    ['BatchId_b1', 'Comma, Inside', 'say "hi"', 0, false],
    ['BatchId_b1', 'Line\nFeed', 'Carriage\rReturn', 1.5, null],
    ['BatchId_b1', 'Both\r\nEnds', undefined, '', 'x'],
    ['BatchId_b1', 'Zoë Ñandú 日本語 🎓', ' leading space', -3, true],
  ];
  const expectedCsv =
    'Batch Id,User Name,Note,Score,Consent\r\n' +
    'BatchId_b1,Plain,simple,10,true\r\n' +
    'BatchId_b1,"Comma, Inside","say ""hi""",0,false\r\n' +
    'BatchId_b1,"Line\nFeed","Carriage\rReturn",1.5,\r\n' +
    'BatchId_b1,"Both\r\nEnds",,,x\r\n' +
    'BatchId_b1,Zoë Ñandú 日本語 🎓, leading space,-3,true\r\n';

  test('an encrypted zip holds exactly the RFC 4180 CSV, named after the artefact', async () => {
    const key = 'progress-exhaust/REQ1/b1_progress_20240115.zip';
    const { size } = await writeArtefact(store, container, key, { columns, rows: inChunks(rows) }, { password: 's3cret key' });
    const bytes = read(key);
    assert.equal(size, bytes.length);
    const zip = await openZip(bytes, 's3cret key');
    assert.deepEqual(zip.names, ['b1_progress_20240115.csv']);
    assert.deepEqual(zip.encrypted, [true]);
    assert.equal(zip.text, expectedCsv);
    // UTF-8 without a BOM.
    assert.notEqual(zip.text.charCodeAt(0), 0xfeff);
    // No plaintext copy is left anywhere in storage, and nothing half-written.
    assert.deepEqual(filesUnder(root), [`${container}/${key}`]);
    // The CSV text is not visible in the encrypted bytes.
    assert.equal(Buffer.from(bytes).includes('Comma, Inside'), false);
  });

  test('the wrong key does not open it', async () => {
    const key = 'progress-exhaust/REQ2/b1_progress_20240115.zip';
    await writeArtefact(store, container, key, { columns, rows: inChunks(rows) }, { password: 'right' });
    await assert.rejects(openZip(read(key), 'wrong'), /password/i);
    await assert.rejects(openZip(read(key)), /password|encrypted/i);
  });

  test('without a key the zip is plain and holds the same CSV', async () => {
    const key = 'response-exhaust/REQ3/b1_response_20240115.zip';
    await writeArtefact(store, container, key, { columns, rows: inChunks(rows) });
    const zip = await openZip(read(key));
    assert.deepEqual(zip.encrypted, [false]);
    assert.deepEqual(zip.names, ['b1_response_20240115.csv']);
    assert.equal(zip.text, expectedCsv);
  });

  test('many rows cross chunk boundaries intact', async () => {
    const key = 'progress-exhaust/REQ4/big_progress_20240115.zip';
    const n = 5003;
    const many = Array.from({ length: n }, (_, i) => [`user-${i}`, i % 7 === 0 ? `multi\nline ${i}` : `u${i}`, i]);
    await writeArtefact(store, container, key, { columns: ['id', 'name', 'n'], rows: inChunks(many, 1000) }, { password: 'k' });
    const { text } = await openZip(read(key), 'k');
    const lines = ['id,name,n'];
    for (let i = 0; i < n; i++) lines.push(`user-${i},${i % 7 === 0 ? `"multi\nline ${i}"` : `u${i}`},${i}`);
    assert.equal(text, lines.join('\r\n') + '\r\n');
  });

  test('an empty report is a header-only CSV', async () => {
    const key = 'progress-exhaust/REQ5/b0_progress_20240115.zip';
    await writeArtefact(store, container, key, { columns, rows: inChunks([]) });
    assert.equal((await openZip(read(key))).text, 'Batch Id,User Name,Note,Score,Consent\r\n');
  });

  test('a failure mid-report rejects with that very error and stores nothing', async () => {
    const key = 'progress-exhaust/REQ6/b1_progress_20240115.zip';
    let closed = false;
    async function* failing() {
      try {
        for (let i = 0; i < 2500; i++) yield [[i]];
        throw new DataError('No data found');
      } finally {
        closed = true;
      }
    }
    await assert.rejects(writeArtefact(store, container, key, { columns: ['n'], rows: failing() }, { password: 'k' }), (error: unknown) => {
      assert.ok(error instanceof DataError);
      assert.equal(error.message, 'No data found');
      return true;
    });
    assert.equal(closed, true);
    assert.equal(filesUnder(root).some((f) => f.includes('REQ6') || f.startsWith('.tmp/')), false);
  });

  test('an abort stops the write, closes the rows and stores nothing', async () => {
    const key = 'progress-exhaust/REQ7/b1_progress_20240115.zip';
    const controller = new AbortController();
    let closed = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) {
          if (i === 3000) controller.abort(new Error('stopping'));
          yield [[i]];
        }
      } finally {
        closed = true;
      }
    }
    await assert.rejects(writeArtefact(store, container, key, { columns: ['n'], rows: endless() }, { signal: controller.signal }), /stopping/);
    // An abort fails the zip at once; the rows close when the chunk being made is done.
    for (let waited = 0; !closed && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(closed, true);
    assert.equal(filesUnder(root).some((f) => f.includes('REQ7') || f.startsWith('.tmp/')), false);
  });

  test('rows are pulled only as fast as the zip is read (backpressure)', async () => {
    // Incompressible cells, so that bytes held after compression are rows held before it.
    const noise = randomBytes(1 << 20).toString('base64');
    let produced = 0;
    async function* counted() {
      for (let i = 0; i < 1_000_000; i++) {
        produced++;
        yield [[i, noise.slice((i * 61) % (noise.length - 64), ((i * 61) % (noise.length - 64)) + 60)]];
      }
    }
    const zip = zipStream('n.csv', csvChunks(['n', 'pad'], counted()), { password: 'k' });
    const reader = zip[Symbol.asyncIterator]();
    for (let i = 0; i < 5; i++) await reader.next();
    // The reader stopped: production fills the pipeline's buffers, then stalls.
    let last = -1;
    for (let waited = 0; produced !== last && waited < 10_000; waited += 250) {
      last = produced;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(produced, last, 'production never stalled');
    // Deflate takes 1 MiB of CSV ahead of its output, the stream a few chunks: a few MiB in flight, whatever the report's size.
    assert.ok(produced > 0 && produced < 200_000, `produced ${produced} of 1,000,000 rows for a reader that stopped`);
    await reader.return?.();
  });

  test('artefact keys follow the storage layout, dated in EXHAUST_TZ', () => {
    const late = Date.parse('2024-01-15T20:00:00Z');
    assert.equal(artefactDay(late, 'UTC'), '20240115');
    assert.equal(artefactDay(late, 'Asia/Kolkata'), '20240116');
    assert.equal(
      artefactKey({ dataset: 'progress-exhaust', requestId: 'ABC', batchId: 'batch-1', reportKey: 'progress', day: '20240115' }),
      'progress-exhaust/ABC/batch-1_progress_20240115.zip',
    );
  });
});
