// The default blob store: files under <EXHAUST_DATA_DIR>/storage/<container>/<key>. Its signed URLs
// are HMAC links served by the API itself (GET /download/<container>/<key>).
import { createHmac, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sameSecret } from '../../secrets.js';
import type { BlobEntry, BlobStore, SweptUploads } from '../blob-store.js';

/** A stored object opened for download: size and date as of opening, bytes read from that very file. */
export interface OpenedBlob {
  size: number;
  lastModified: number;
  /** Streams bytes `start`…`end` (inclusive) or the whole object; closes the file when done. */
  stream(range?: { start: number; end: number }): Readable;
  /** Closes the file without streaming it. */
  close(): Promise<void>;
}

/** A relative key whose every segment is a plain name: never escapes its container. */
export function isSafeKey(key: string): boolean {
  if (key.length === 0 || key.length > 1024 || key.includes('\\') || key.includes('\0')) return false;
  return key.split('/').every((s) => s.length > 0 && s !== '.' && s !== '..');
}

export class LocalBlobStore implements BlobStore {
  constructor(
    private readonly root: string,
    private readonly publicUrl: string,
    private readonly signingKey: Buffer,
  ) {}

  pathOf(container: string, key: string): string {
    if (!isSafeKey(container) || container.includes('/') || !isSafeKey(key)) throw new Error(`unsafe blob key ${container}/${key}`);
    return join(this.root, container, key);
  }

  async put(container: string, key: string, body: Readable): Promise<{ size: number }> {
    const target = this.pathOf(container, key);
    // Written beside the container, then renamed: a crash never leaves a half file under a real key,
    // only a part file, which sweepIncomplete removes.
    const temporary = join(this.temporaryDir(container), `${randomUUID()}.part`);
    await mkdir(dirname(temporary), { recursive: true });
    try {
      await pipeline(body, createWriteStream(temporary));
      await mkdir(dirname(target), { recursive: true });
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return { size: (await stat(target)).size };
  }

  async *list(container: string, prefix: string): AsyncIterable<BlobEntry> {
    const base = join(this.root, container);
    // Walk only the directory the prefix names, then filter on the rest of it.
    const slash = prefix.lastIndexOf('/');
    const dir = slash >= 0 ? prefix.slice(0, slash) : '';
    if (dir && !isSafeKey(dir)) return;
    for (const key of (await walk(base, dir)).sort()) {
      if (!key.startsWith(prefix)) continue;
      const info = await stat(join(base, key));
      yield { key, size: info.size, lastModified: info.mtimeMs };
    }
  }

  async signedUrl(container: string, key: string, expiresAt: number): Promise<string> {
    const expires = Math.floor(expiresAt / 1000);
    const path = key.split('/').map(encodeURIComponent).join('/');
    return `${this.publicUrl}/download/${encodeURIComponent(container)}/${path}?expires=${expires}&signature=${this.signature(container, key, expires)}`;
  }

  /** Whether a link's signature is ours and unexpired at `now` (epoch ms). */
  verify(container: string, key: string, expires: number, signature: string, now: number): 'valid' | 'expired' | 'invalid' {
    if (!sameSecret(signature, this.signature(container, key, expires))) return 'invalid';
    return expires * 1000 < now ? 'expired' : 'valid';
  }

  /**
   * Opens `container/key` for reading; undefined when there is no such object. The file is opened
   * before it is measured, so a concurrent overwrite (a redone request renaming its artefact into
   * place) never mixes the old size with the new bytes.
   */
  async open(container: string, key: string): Promise<OpenedBlob | undefined> {
    let path: string;
    try {
      path = this.pathOf(container, key);
    } catch {
      return undefined;
    }
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw error;
    }
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      return undefined;
    }
    const file = handle;
    return {
      size: info.size,
      lastModified: info.mtimeMs,
      stream: (range) => file.createReadStream({ ...(range ?? {}), autoClose: true }),
      close: () => file.close(),
    };
  }

  async delete(container: string, key: string): Promise<void> {
    await rm(this.pathOf(container, key), { force: true });
  }

  /**
   * Removes the part files of uploads to `container` not written to since `idleBefore`: a live
   * upload writes as its body streams in, so such a file's writer died. Part files of the layout
   * before (`.tmp/<uuid>.part`, for any container) go too.
   */
  async sweepIncomplete(container: string, idleBefore: number): Promise<SweptUploads> {
    let removed = 0;
    let bytes = 0;
    for (const dir of [this.temporaryDir(container), join(this.root, '.tmp')]) {
      for (const name of await partFiles(dir)) {
        const path = join(dir, name);
        const info = await stat(path).catch(ignoreMissing);
        if (!info?.isFile() || info.mtimeMs >= idleBefore) continue;
        // Another process sweeping at the same time may have taken it first: only one counts it.
        if ((await unlink(path).then(() => true, ignoreMissing)) !== true) continue;
        removed += 1;
        bytes += info.size;
      }
    }
    return { removed, bytes };
  }

  private temporaryDir(container: string): string {
    if (!isSafeKey(container) || container.includes('/')) throw new Error(`unsafe container name ${container}`);
    return join(this.root, '.tmp', container);
  }

  private signature(container: string, key: string, expires: number): string {
    return createHmac('sha256', this.signingKey).update(`${container}/${key}\n${expires}`).digest('hex');
  }
}

async function partFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.part')).map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A file another process removed meanwhile is no error: undefined instead. */
function ignoreMissing(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}

async function walk(base: string, dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(base, dir), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
  const keys: string[] = [];
  for (const entry of entries) {
    const key = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) keys.push(...(await walk(base, key)));
    else if (entry.isFile()) keys.push(key);
  }
  return keys;
}
