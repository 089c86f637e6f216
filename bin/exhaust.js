#!/usr/bin/env node
// The `exhaust` command runs the compiled service in dist/ (built by `npm ci` and `npm start`).
// A dist/ built from other sources than src/ holds now never runs: it says so in one line.
// `npm run dev` runs the TypeScript sources through tsx instead.
import { staleBuild } from '../scripts/build-stamp.js';

const stale = staleBuild();
if (stale) {
  console.error(`exhaust: ${stale}`);
  process.exitCode = 2;
} else {
  await import('../dist/run.js');
}
