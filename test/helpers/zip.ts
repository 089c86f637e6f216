// Opens artefacts the way a recipient would: zip.js with the password, no shortcuts.
import { TextWriter, Uint8ArrayReader, ZipReader } from '@zip.js/zip.js';

export interface OpenedZip {
  names: string[];
  encrypted: boolean[];
  /** The text of the only entry. */
  text: string;
}

export async function openZip(bytes: Uint8Array, password?: string): Promise<OpenedZip> {
  const reader = new ZipReader(new Uint8ArrayReader(bytes), { useWebWorkers: false });
  try {
    const entries = await reader.getEntries();
    const [first] = entries;
    if (!first || first.directory) throw new Error('the zip holds no file');
    const text = await first.getData(new TextWriter('utf-8'), password === undefined ? {} : { password });
    return { names: entries.map((e) => e.filename), encrypted: entries.map((e) => e.encrypted), text };
  } finally {
    await reader.close();
  }
}

/** Every file under a directory, relative paths, sorted. */
export { filesUnder } from './files.js';
