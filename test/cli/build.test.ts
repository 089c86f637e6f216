// The compiled command: bin/exhaust.js runs dist/, and never a dist/ built from other sources than
// src/ holds. Checked on a copy of the project (its own src/ and dist/, the same node_modules), so
// that changing a source here cannot disturb the other tests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('compiled build (dist/)', () => {
  const copy = mkdtempSync(join(tmpdir(), 'exhaust-build-'));
  const env = { PATH: process.env.PATH ?? '', EXHAUST_DATA_DIR: join(copy, 'data'), EXHAUST_LOG_LEVEL: 'silent' };
  const exhaust = (...args: string[]) => spawnSync(process.execPath, [join(copy, 'bin/exhaust.js'), ...args], { env, encoding: 'utf8' });
  const build = (...args: string[]) => spawnSync(process.execPath, [join(copy, 'scripts/build.js'), ...args], { env, encoding: 'utf8' });

  before(() => {
    for (const path of ['bin', 'scripts', 'src', 'dist', 'package.json', 'package-lock.json', 'tsconfig.json']) cpSync(join(ROOT, path), join(copy, path), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  });
  after(() => rmSync(copy, { recursive: true, force: true }));

  test('the command runs the compiled code', () => {
    const result = exhaust('consumer', 'list');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'no consumers; add one with: exhaust consumer add <consumerId> <channel>\n');
  });

  test('an installed copy without the sources runs dist/ alone', () => {
    const installed = mkdtempSync(join(tmpdir(), 'exhaust-installed-'));
    try {
      for (const path of ['bin', 'scripts', 'dist', 'package.json']) cpSync(join(copy, path), join(installed, path), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules'), join(installed, 'node_modules'));
      const result = spawnSync(process.execPath, [join(installed, 'bin/exhaust.js'), 'consumer', 'list'], { env: { ...env, EXHAUST_DATA_DIR: join(installed, 'data') }, encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^no consumers/);
    } finally {
      rmSync(installed, { recursive: true, force: true });
    }
  });

  test('after a source changes, the command refuses in one line, and a rebuild lets it run again', () => {
    appendFileSync(join(copy, 'src/cli/usage-error.ts'), '\n// changed after the build\n');
    const refused = exhaust('consumer', 'list');
    assert.equal(refused.status, 2);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /^exhaust: dist\/ was built from other sources than src\/ holds now; rebuild it with `npm run build` \(npm start rebuilds by itself\)\n$/);

    // What `npm start` runs first: a stale dist/ is rebuilt, a fresh one left alone.
    const rebuilt = build('--if-stale');
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    const stamp = readFileSync(join(copy, 'dist/build-stamp.json'), 'utf8');
    assert.equal(build('--if-stale').status, 0);
    assert.equal(readFileSync(join(copy, 'dist/build-stamp.json'), 'utf8'), stamp, 'a fresh dist/ is not rebuilt');
    assert.equal(exhaust('consumer', 'list').status, 0);
  });

  test('a dependency update (the lock file) makes dist/ stale too: Kysely is bundled into it', () => {
    appendFileSync(join(copy, 'package-lock.json'), '\n');
    assert.equal(exhaust('consumer', 'list').status, 2);
    assert.equal(build('--if-stale').status, 0);
    assert.equal(exhaust('consumer', 'list').status, 0);
  });

  test('a source that does not compile leaves the previous dist/ in place', () => {
    const stamp = readFileSync(join(copy, 'dist/build-stamp.json'), 'utf8');
    appendFileSync(join(copy, 'src/cli/usage-error.ts'), '\nexport const broken = ;\n');
    const failed = build();
    assert.notEqual(failed.status, 0);
    assert.match(failed.stderr, /dist\/ is unchanged/);
    assert.equal(readFileSync(join(copy, 'dist/build-stamp.json'), 'utf8'), stamp);
    assert.ok(existsSync(join(copy, 'dist/run.js')));
    // And it still refuses to run: src/ is not what dist/ was built from.
    assert.equal(exhaust('consumer', 'list').status, 2);
  });

  test('without dist/ the command says how to build it', () => {
    rmSync(join(copy, 'dist'), { recursive: true, force: true });
    const refused = exhaust('help');
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /^exhaust: dist\/ is missing or incomplete; build it with `npm run build`/);
  });
});
