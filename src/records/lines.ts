// Splits a byte stream into numbered lines without holding more than one line: a file of any size
// imports in flat memory. Lines end at LF (a CR before it is dropped); blank lines are skipped but
// still counted, so reported numbers match what an editor shows.

/** A line is longer than this → reported as bad and skipped, so one endless line cannot exhaust memory. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export type Line = { number: number; text: string } | { number: number; error: string };

export interface ReadLinesOptions {
  maxLineBytes?: number;
  /** Called with the size of each chunk read, for progress bars. */
  onBytes?: (bytes: number) => void;
}

const LF = 0x0a;

export async function* readLines(input: AsyncIterable<Uint8Array | string>, options: ReadLinesOptions = {}): AsyncGenerator<Line> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  // fatal: a line of broken UTF-8 is reported rather than silently stored with U+FFFD in it.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  let number = 0;

  const finish = (): Line | undefined => {
    number += 1;
    const parts = pending;
    const overflowed = tooLong;
    pending = [];
    pendingBytes = 0;
    tooLong = false;
    if (overflowed) return { number, error: `line is longer than ${maxLineBytes} bytes` };
    let text: string;
    try {
      // The decoder drops a byte-order mark at the start of each decode: harmless past line 1.
      text = decoder.decode(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    } catch {
      return { number, error: 'not valid UTF-8' };
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return text.trim() === '' ? undefined : { number, text };
  };

  const keep = (piece: Uint8Array) => {
    if (tooLong || piece.length === 0) return;
    pendingBytes += piece.length;
    if (pendingBytes > maxLineBytes) {
      tooLong = true;
      pending = [];
    } else {
      pending.push(piece);
    }
  };

  for await (const data of input) {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    options.onBytes?.(chunk.length);
    let start = 0;
    for (let end = chunk.indexOf(LF); end !== -1; end = chunk.indexOf(LF, start)) {
      keep(chunk.subarray(start, end));
      start = end + 1;
      const line = finish();
      if (line) yield line;
    }
    keep(chunk.subarray(start));
  }
  if (pendingBytes > 0 || tooLong) {
    const line = finish();
    if (line) yield line;
  }
}
