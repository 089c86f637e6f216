// ESLint flat config. Two jobs:
//  1. typescript-eslint's `recommended` rules (syntax-only, NOT the type-checked set, so a whole-repo
//     lint stays at a few seconds). No stylistic/formatting rules: `recommended` carries none and
//     none are added here.
//  2. Import rules that state the project's architecture (the "boundaries" below). Each one's
//     message says the rule; test/lint/boundaries.test.ts proves each one fires.
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

const CODE = ['src', 'test', 'bench', 'bin', 'scripts'].flatMap((dir) => [
  `${dir}/**/*.ts`,
  `${dir}/**/*.js`,
]);

// --- Boundary a: only src/api/ speaks HTTP -------------------------------------------------------
const FASTIFY_MESSAGE =
  'Only files under src/api/ may import fastify, @fastify/* or fastify-plugin: the HTTP layer stays ' +
  'in src/api; other modules expose plain functions and types that src/api adapts.';
// A regex, not a gitignore-style `group`: a group `fastify` would also match a local `../fastify/x.js`.
const FASTIFY_REGEX = '^(?:fastify|fastify-plugin|@fastify/[^/]+)(?:/.*)?$';
const FASTIFY_PATTERN = { regex: FASTIFY_REGEX, message: FASTIFY_MESSAGE };

// --- Boundary b: exports do not know datasets -----------------------------------------------------
const DATASETS_MESSAGE =
  'Files under src/export/ must not import from src/datasets/: export writes rows it is handed ' +
  '(CSV, zip, artefacts) and must not depend on how datasets produce them.';
// Any relative specifier with a `datasets` path segment: ../datasets/x.js, ../../src/datasets/y/z.js,
// ./../datasets, ../datasets (a folder import) ...
const DATASETS_REGEX = '^\\.{1,2}/(?:.*/)?datasets(?:/.*)?$';
const DATASETS_PATTERN = { regex: DATASETS_REGEX, message: DATASETS_MESSAGE };

// --- Boundary d: only the composition root opens connections -------------------------------------
const CONNECT_MESSAGE =
  'Only src/services.ts (the composition root) may import db/connect.js: connections are opened in ' +
  'one place, by role, and handed down; no module opens its own.';
const CONNECT_REGEX = '^\\.{1,2}/(?:.*/)?db/connect\\.js$';
const CONNECT_PATTERN = { regex: CONNECT_REGEX, message: CONNECT_MESSAGE };

// `no-restricted-imports` checks import/export declarations only, not `await import('x')`;
// these selectors close that gap with the same messages.
const dynamicImport = (regex, message) => ({
  selector: `ImportExpression[source.type='Literal'][source.value=/${regex.replaceAll('/', '\\/')}/]`,
  message,
});

// In flat config a rule's options never merge across blocks: the LAST block matching a file wins
// whole. So each group of files below states every restriction that applies to it.
const restrict = (...patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
  'no-restricted-syntax': ['error', ...patterns.map((p) => dynamicImport(p.regex, p.message))],
});
const inSrc = (...dirs) => dirs.flatMap((dir) => [`src/${dir}**/*.ts`, `src/${dir}**/*.js`]);

export default defineConfig([
  globalIgnores(['dist/', 'node_modules/', 'data/', '.dist-*/']),

  {
    files: CODE,
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  // Tests read parsed JSON loosely (generated records, envelopes): `any` there saves casts that
  // would prove nothing. The service's own code stays without it.
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },

  // Boundaries a, b, d, by group of files.
  { files: inSrc(''), ignores: ['src/api/**', 'src/export/**', 'src/services.ts'], rules: restrict(FASTIFY_PATTERN, CONNECT_PATTERN) },
  { files: inSrc('api/'), rules: restrict(CONNECT_PATTERN) },
  { files: inSrc('export/'), rules: restrict(FASTIFY_PATTERN, DATASETS_PATTERN, CONNECT_PATTERN) },
  { files: ['src/services.ts'], rules: restrict(FASTIFY_PATTERN) },

  // c. no import cycles among src files
  {
    files: ['src/**/*.ts', 'src/**/*.js'],
    plugins: { 'import-x': importX },
    settings: {
      // Sources import siblings as `./foo.js` (NodeNext); the file on disk is `./foo.ts`.
      // Without extensionAlias the resolver finds nothing and no-cycle reports nothing, silently.
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.node'],
          extensionAlias: { '.js': ['.ts', '.js'], '.mjs': ['.mts', '.mjs'], '.cjs': ['.cts', '.cjs'] },
        }),
      ],
      // import-x only follows into files with these extensions (default: .js only, so .ts
      // dependencies would be skipped and, again, no cycle ever found). They are parsed with the
      // linted file's parser (typescript-eslint's).
      'import-x/extensions': ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'],
    },
    rules: {
      // Type-only imports (`import type ...`, or `import { type A, type B }` where every specifier
      // is a type) are NOT counted: import-x 4.x skips them unconditionally, there is no option to
      // count them. That is also the right call: they are erased at compile time, so they create
      // no runtime cycle and no initialisation-order hazard. A plain `import { SomeType }` (no
      // `type` keyword) still counts, because the rule cannot see types.
      // Dynamic `import()` edges do count (allowUnsafeDynamicCyclicDependency stays false).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
]);
