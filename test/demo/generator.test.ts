import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type DemoCounts, writeDemoFiles } from '../../src/demo/demo-files.js';
import { type DemoOptions, planDemo } from '../../src/demo/demo-plan.js';
import { recordEntities } from '../../src/records/entities.js';
import { importRecords } from '../../src/records/import.js';
import { databaseUrlOf, runExhaust } from '../helpers/cli.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

const FILES = ['users.jsonl', 'collections.jsonl', 'batches.jsonl', 'enrolments.jsonl', 'attempts.jsonl', 'consents.jsonl'];
const options = (extra: Partial<DemoOptions> = {}): DemoOptions => ({ seed: 7, learners: 600, batches: 4, collections: 3, channel: 'demo-channel', ...extra });

const work = mkdtempSync(join(tmpdir(), 'exhaust-demo-'));
after(() => rmSync(work, { recursive: true, force: true }));
let dirs = 0;
async function generate(o: DemoOptions): Promise<{ dir: string; counts: DemoCounts }> {
  const dir = mkdtempSync(join(work, `gen-${(dirs += 1)}-`));
  return { dir, counts: await writeDemoFiles(planDemo(o), dir) };
}
const linesOf = (dir: string, file: string) =>
  readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);

describe('demo generate: determinism', () => {
  test('the same seed and options give the same bytes in every file', async () => {
    const a = await generate(options());
    const b = await generate(options());
    for (const file of FILES) assert.ok(readFileSync(join(a.dir, file)).equals(readFileSync(join(b.dir, file))), `${file} differs`);
    assert.deepEqual(a.counts, b.counts);
  });

  test('another seed gives other learners, enrolments and attempts', async () => {
    const a = await generate(options());
    const b = await generate(options({ seed: 8 }));
    for (const file of ['users.jsonl', 'enrolments.jsonl', 'attempts.jsonl', 'consents.jsonl']) {
      assert.ok(!readFileSync(join(a.dir, file)).equals(readFileSync(join(b.dir, file))), `${file} is the same`);
    }
  });
});

describe('demo generate: what it writes', () => {
  let out: { dir: string; counts: DemoCounts };
  before(async () => {
    out = await generate(options());
  });

  test('the counts match the arguments, and the returned counts match the files', () => {
    const { dir, counts } = out;
    for (const file of FILES) assert.equal(linesOf(dir, file).length, counts[file.replace('.jsonl', '') as keyof DemoCounts], file);
    assert.equal(counts.users, 600);
    assert.equal(counts.enrolments, 600);
    assert.equal(counts.batches, 4);
    assert.equal(counts.collections, 3);
    assert.equal(new Set(linesOf(dir, 'users.jsonl').map((u) => u.id)).size, 600);
  });

  test('every learner is enrolled once, spread evenly over the batches, in the batch’s collection', () => {
    const batches = new Map(linesOf(out.dir, 'batches.jsonl').map((b) => [b.id, b.collectionId]));
    const enrolments = linesOf(out.dir, 'enrolments.jsonl');
    assert.equal(new Set(enrolments.map((e) => e.userId)).size, 600);
    const perBatch = new Map<string, number>();
    for (const e of enrolments) {
      assert.equal(e.collectionId, batches.get(e.batchId));
      perBatch.set(e.batchId, (perBatch.get(e.batchId) ?? 0) + 1);
    }
    assert.deepEqual([...perBatch.values()], [150, 150, 150, 150]);
  });

  test('collections have 3–5 assessments among their leafNodesCount leaves', () => {
    const enrolments = linesOf(out.dir, 'enrolments.jsonl');
    for (const c of linesOf(out.dir, 'collections.jsonl')) {
      assert.ok(c.assessments.length >= 3 && c.assessments.length <= 5, `${c.id} has ${c.assessments.length} assessments`);
      assert.ok(c.leafNodesCount > c.assessments.length);
      assert.equal(c.channel, 'demo-channel');
      const completed = enrolments.find((e) => e.collectionId === c.id && e.completedOn);
      assert.equal(Object.keys(completed!.contentStatus).length, c.leafNodesCount, 'a completer finished every leaf');
    }
  });

  test('enrolments mix progress, completions with certificates, and a few inactive learners', () => {
    const enrolments = linesOf(out.dir, 'enrolments.jsonl');
    const completed = enrolments.filter((e) => e.completedOn);
    const certified = enrolments.filter((e) => e.certificates.length > 0);
    const inactive = enrolments.filter((e) => e.active === false);
    const inProgress = enrolments.filter((e) => !e.completedOn && Object.values(e.contentStatus).includes(1));
    assert.ok(completed.length > 100 && completed.length < 300, `${completed.length} completed`);
    assert.ok(certified.length > 0 && certified.length < completed.length, `${certified.length} certified`);
    assert.ok(certified.every((e) => e.completedOn));
    assert.ok(inactive.length > 0 && inactive.length < 60, `${inactive.length} inactive`);
    assert.ok(inProgress.length > 100);
  });

  test('about two attempts per learner, each with several complete questions', () => {
    const attempts = linesOf(out.dir, 'attempts.jsonl');
    const perLearner = attempts.length / 600;
    assert.ok(perLearner > 1.7 && perLearner < 2.4, `${perLearner} attempts per learner`);
    const assessments = new Set(linesOf(out.dir, 'collections.jsonl').flatMap((c) => c.assessments.map((a: { id: string }) => a.id)));
    for (const a of attempts) {
      assert.ok(assessments.has(a.contentId));
      assert.ok(a.questions.length >= 3);
      assert.equal(a.totalScore, a.questions.reduce((s: number, q: { score: number }) => s + q.score, 0));
      assert.equal(a.totalMaxScore, a.questions.reduce((s: number, q: { maxScore: number }) => s + q.maxScore, 0));
      for (const q of a.questions) {
        assert.deepEqual(Object.keys(q).sort(), ['description', 'duration', 'id', 'maxScore', 'params', 'response', 'score', 'title', 'type']);
        assert.ok(q.score >= 0 && q.score <= q.maxScore);
      }
    }
    assert.equal(new Set(attempts.map((a) => a.attemptId)).size, attempts.length);
  });

  test('consents are given or revoked, for collections that ask for consent', () => {
    const asking = new Set(linesOf(out.dir, 'collections.jsonl').filter((c) => c.userConsent).map((c) => c.id));
    const consents = linesOf(out.dir, 'consents.jsonl');
    assert.ok(consents.length > 0);
    assert.ok(consents.every((c) => asking.has(c.objectId) && c.consumerId === 'demo-channel'));
    const active = consents.filter((c) => c.status === 'ACTIVE').length;
    assert.ok(active > 0 && active < consents.length, `${active} of ${consents.length} active`);
  });

  test('users look like teachers and students of Indian schools', () => {
    const users = linesOf(out.dir, 'users.jsonl');
    assert.ok(new Set(users.map((u) => u.state)).size >= 5);
    assert.ok(users.every((u) => /^\d{11}$/.test(u.schoolId) && u.schoolName && u.district && u.block && u.cluster && u.board));
    assert.ok(users.some((u) => u.userType === 'teacher') && users.some((u) => u.userType === 'student'));
    assert.ok(users.every((u) => u.rootOrgId === 'demo-channel'));
  });

  test('one batch holds every learner', async () => {
    const { dir, counts } = await generate(options({ learners: 50, batches: 1, collections: 1 }));
    assert.equal(counts.batches, 1);
    assert.deepEqual([...new Set(linesOf(dir, 'enrolments.jsonl').map((e) => e.batchId))], ['demo-batch-1']);
  });
});

for (const dialect of dialects) {
  describe(`demo generate: the files import (${dialect.name})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await dialect.open();
    });
    after(async () => {
      await database.drop();
    });

    test('every generated file imports with zero bad lines', async () => {
      const { dir, counts } = await generate(options({ learners: 300, seed: 11 }));
      for (const entity of recordEntities) {
        const result = await importRecords(database.db, entity, createReadStream(join(dir, entity.file)));
        assert.deepEqual(result.errors, [], entity.file);
        assert.equal(result.badLines, 0);
        assert.equal(result.rows, counts[entity.name], entity.file);
      }
      const stored = await database.db.selectFrom('record_attempt').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(stored.n), counts.attempts);
    });

    test('`exhaust demo generate` writes files that `exhaust import` takes whole', async () => {
      const dir = join(work, `cli-${dialect.name}`);
      const run = await runExhaust(['demo', 'generate', '--learners', '120', '--batches', '2', '--out', dir, '--seed', '5'], {});
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '', 'no progress bar when stderr is not a terminal');
      assert.match(run.stdout, /^generated users=120 collections=2 batches=2 enrolments=120 attempts=\d+ consents=\d+ in .+ \(seed 5, channel demo-channel\) in [\d.]+ s\n$/);
      const imported = await runExhaust(['import', dir], { DATABASE_URL: databaseUrlOf(database), EXHAUST_DATA_DIR: join(work, `data-${dialect.name}`) });
      assert.equal(imported.code, 0, imported.stderr);
      const attempts = /attempts=(\d+)/.exec(run.stdout)![1];
      assert.match(imported.stdout, new RegExp(`^imported users=120 collections=2 batches=2 enrolments=120 attempts=${attempts} consents=\\d+`));
    });
  });
}

describe('exhaust demo: usage errors', () => {
  const file = join(work, 'a-file');
  writeFileSync(file, 'x');
  const cases: [string, string[], RegExp][] = [
    ['no subcommand', ['demo'], /usage: exhaust demo generate/],
    ['an unknown subcommand', ['demo', 'make', '--learners', '1', '--batches', '1', '--out', 'x'], /usage: exhaust demo generate/],
    ['no --learners', ['demo', 'generate', '--batches', '1', '--out', join(work, 'u1')], /--learners is required/],
    ['no --out', ['demo', 'generate', '--learners', '1', '--batches', '1'], /--out is required/],
    ['zero learners', ['demo', 'generate', '--learners', '0', '--batches', '1', '--out', join(work, 'u2')], /--learners must be an integer from 1/],
    ['a batch count that is not a number', ['demo', 'generate', '--learners', '5', '--batches', 'two', '--out', join(work, 'u3')], /--batches must be an integer/],
    ['a seed that is not an integer', ['demo', 'generate', '--learners', '5', '--batches', '1', '--seed', '1.5', '--out', join(work, 'u4')], /--seed must be an integer/],
    ['more collections than batches', ['demo', 'generate', '--learners', '5', '--batches', '2', '--collections', '3', '--out', join(work, 'u6')], /--collections \(3\) must not exceed --batches \(2\)/],
    ['an unknown option', ['demo', 'generate', '--learners', '5', '--batches', '1', '--colour', 'red', '--out', join(work, 'u5')], /colour/],
    ['--out naming a file', ['demo', 'generate', '--learners', '5', '--batches', '1', '--out', file], /is not a directory/],
  ];
  for (const [what, args, message] of cases) {
    test(`${what} exits 2 with one line`, async () => {
      const run = await runExhaust(args, {});
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.equal(run.stdout, '');
    });
  }
});
