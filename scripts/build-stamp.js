// Which sources dist/ was compiled from. The build writes a fingerprint of src/ (and of what else
// decides the bundle: the compiler settings, the build script, and the locked dependencies, since
// Kysely is bundled in) into dist/; `exhaust` compares it with src/ as it is now, so a stale dist/ never runs.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, 'build-stamp.json');
const SOURCES = join(ROOT, 'src');
const SETTINGS = ['tsconfig.json', 'scripts/build.js', 'package-lock.json'];

/** A hash of every file under src/ and of the build's settings, by path and content. */
export function sourceFingerprint() {
  const hash = createHash('sha256');
  const files = [...listFiles(SOURCES), ...SETTINGS.map((name) => join(ROOT, name)).filter((file) => existsSync(file))].sort();
  for (const file of files) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function* listFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* listFiles(path);
    else if (entry.isFile()) yield path;
  }
}

/**
 * Why dist/ must not run, or undefined when it may. An installed copy without src/ runs what it
 * shipped; a checkout runs dist/ only when it was built from exactly the sources beside it.
 */
export function staleBuild() {
  if (!existsSync(SOURCES)) return undefined;
  if (!existsSync(STAMP)) return 'dist/ is missing or incomplete; build it with `npm run build` (npm ci and npm start do it by themselves)';
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    stamp = undefined;
  }
  if (stamp?.fingerprint !== sourceFingerprint()) {
    return 'dist/ was built from other sources than src/ holds now; rebuild it with `npm run build` (npm start rebuilds by itself)';
  }
  return undefined;
}
