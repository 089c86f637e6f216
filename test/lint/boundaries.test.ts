// Proves that each architecture rule in eslint.config.js fires (and does not fire where it must
// not): a config that silently stops matching, or a resolver that silently resolves nothing,
// would otherwise pass the lint of a clean tree just as well as a working one.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { ESLint, type Linter } from 'eslint';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('lint boundaries (eslint.config.js)', () => {
  const eslint = new ESLint({ cwd: projectRoot });

  async function lint(relativePath: string, code: string): Promise<Linter.LintMessage[]> {
    const [result] = await eslint.lintText(code, { filePath: join(projectRoot, relativePath) });
    assert.ok(result, `no lint result for ${relativePath}`);
    // An ignored path or a parse failure would give no rule messages at all: fail loudly instead.
    const fatal = result.messages.filter((m) => m.fatal);
    assert.deepEqual(fatal, [], `fatal lint messages for ${relativePath}`);
    return result.messages;
  }
  const byRule = (messages: Linter.LintMessage[], ruleId: string) =>
    messages.filter((m) => m.ruleId === ruleId);

  test('src/export/ must not import from src/datasets/', async () => {
    const messages = await lint(
      'src/export/some-file.ts',
      "import { datasetFor } from '../datasets/registry.js';\nexport const f = datasetFor;\n",
    );
    const restricted = byRule(messages, 'no-restricted-imports');
    assert.equal(restricted.length, 1, JSON.stringify(messages));
    assert.equal(restricted[0]?.severity, 2);
    assert.match(restricted[0]?.message ?? '', /Files under src\/export\/ must not import from src\/datasets\//);
  });

  test('src/export/: deeper and type-only paths into datasets/ are caught too', async () => {
    const messages = await lint(
      'src/export/some-file.ts',
      [
        "import type { RowChunk } from '../datasets/dataset.js';",
        "import { x } from '../../src/datasets/collection/format.js';",
        "export const f = async (c: RowChunk) => [x, await import('../datasets/registry.js'), c];",
        '',
      ].join('\n'),
    );
    assert.equal(byRule(messages, 'no-restricted-imports').length, 2, JSON.stringify(messages));
    // dynamic import() is not seen by no-restricted-imports; no-restricted-syntax covers it
    assert.equal(byRule(messages, 'no-restricted-syntax').length, 1, JSON.stringify(messages));
  });

  test('fastify outside src/api/ is an error', async () => {
    const messages = await lint(
      'src/requests/x.ts',
      "import Fastify from 'fastify';\nexport const app = Fastify();\n",
    );
    const restricted = byRule(messages, 'no-restricted-imports');
    assert.equal(restricted.length, 1, JSON.stringify(messages));
    assert.equal(restricted[0]?.severity, 2);
    assert.match(restricted[0]?.message ?? '', /Only files under src\/api\/ may import fastify/);
  });

  test('@fastify/* outside src/api/ is an error, also from src/export/ (whose block restates it)', async () => {
    for (const path of ['src/requests/x.ts', 'src/export/x.ts']) {
      const messages = await lint(
        path,
        "import swagger from '@fastify/swagger';\nexport const s = swagger;\n",
      );
      const restricted = byRule(messages, 'no-restricted-imports');
      assert.equal(restricted.length, 1, `${path}: ${JSON.stringify(messages)}`);
      assert.match(restricted[0]?.message ?? '', /Only files under src\/api\/ may import fastify/);
    }
  });

  test('fastify inside src/api/ is allowed', async () => {
    const messages = await lint(
      'src/api/routes/x.routes.ts',
      "import Fastify from 'fastify';\nimport swagger from '@fastify/swagger';\nexport const app = Fastify().register(swagger);\n",
    );
    assert.deepEqual(byRule(messages, 'no-restricted-imports'), []);
    assert.deepEqual(byRule(messages, 'no-restricted-syntax'), []);
  });

  test('only the composition root opens connections (db/connect.js)', async () => {
    const code = "import { connectDatabase } from '../db/connect.js';\nexport const c = connectDatabase;\n";
    for (const path of ['src/worker/x.ts', 'src/api/x.ts', 'src/export/x.ts']) {
      const restricted = byRule(await lint(path, code), 'no-restricted-imports');
      assert.equal(restricted.length, 1, path);
      assert.match(restricted[0]?.message ?? '', /Only src\/services\.ts \(the composition root\) may import db\/connect\.js/);
    }
    const root = await lint('src/services.ts', "import { connectDatabase } from './db/connect.js';\nexport const c = connectDatabase;\n");
    assert.deepEqual(byRule(root, 'no-restricted-imports'), []);
  });

  describe('import cycles among src files', () => {
    // The resolver needs real files on disk, inside src/ so the src/** block applies.
    const dir = join(projectRoot, 'src', `__lint_cycle_${randomBytes(6).toString('hex')}`);
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('two files importing each other with .js specifiers are reported by import-x/no-cycle', async () => {
      try {
        mkdirSync(dir);
        const a = join(dir, 'a.ts');
        const b = join(dir, 'b.ts');
        writeFileSync(a, "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n");
        writeFileSync(b, "import { a } from './a.js';\nexport const b = (): number => (typeof a === 'function' ? 1 : 0);\n");
        const results = await eslint.lintFiles([a, b]);
        assert.equal(results.length, 2);
        for (const result of results) {
          const cycles = byRule(result.messages, 'import-x/no-cycle');
          assert.equal(cycles.length, 1, `${result.filePath}: ${JSON.stringify(result.messages)}`);
          assert.equal(cycles[0]?.severity, 2);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
