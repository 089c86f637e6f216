#!/usr/bin/env node
// Compiles src/ into dist/, the JavaScript that `exhaust` runs (`npm ci` builds it through
// `prepare`, `npm start` whenever src/ changed). Types are checked by `tsc --noEmit` (npm test);
// this step only compiles.
//   node scripts/build.js             rebuild
//   node scripts/build.js --if-stale  rebuild only when dist/ was not built from src/ as it is now
//
// Bundled with esbuild, each command's modules in chunks loaded when it runs. Kysely is bundled
// too: as 280 separate ES modules it took ~130 ms to load, a third of a CLI call; bundled, ~15 ms.
// The other packages stay in node_modules (native code, optional peers, the cloud SDKs).
import { cpSync, renameSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, ROOT, sourceFingerprint, staleBuild } from './build-stamp.js';

const ifStale = process.argv.includes('--if-stale');
if (ifStale && staleBuild() === undefined) process.exit(0);

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('build: esbuild is not installed; run `npm ci` (without --omit=dev) to build dist/');
  process.exit(1);
}
const BUNDLED = new Set(['kysely']);
const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const fingerprint = sourceFingerprint();
// Built beside dist/ and swapped in whole: a failed build leaves the previous dist/ as it was, and
// nothing of a source since deleted or renamed survives in dist/.
const next = join(ROOT, `.dist-${process.pid}`);
rmSync(next, { recursive: true, force: true });
try {
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli/run.ts'],
    outdir: next,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: Object.keys(dependencies).filter((name) => !BUNDLED.has(name)),
    chunkNames: 'chunks/[name]-[hash]',
    // Not on by default (mapping costs at every stack trace, and errors carry 4xx answers):
    // NODE_OPTIONS=--enable-source-maps points a trace at src/ when one is needed.
    sourcemap: true,
    logLevel: 'warning',
  });
} catch {
  rmSync(next, { recursive: true, force: true });
  console.error('build: compiling src/ failed (above); dist/ is unchanged');
  process.exit(1);
}
// The reports page's files are served as they are (src/api/ui/assets.ts finds them here).
cpSync(join(ROOT, 'src/api/ui/assets'), join(next, 'ui-assets'), { recursive: true });
writeFileSync(join(next, 'build-stamp.json'), JSON.stringify({ fingerprint, builtAt: new Date().toISOString() }) + '\n');
rmSync(DIST, { recursive: true, force: true });
renameSync(next, DIST);
if (!ifStale || process.stdout.isTTY) console.log('build: dist/ is up to date with src/');
