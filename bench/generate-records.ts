// A minimal, fast, deterministic generator of learning records for the report benchmark: ONE
// collection with two assessments, ONE batch, `learners` users each enrolled in it, and about 2.2
// attempts per enrolment, as JSON Lines in the format of src/records/entities.ts. Used when
// `exhaust demo generate` is not available. User ids are hashed (UUID-shaped), so the order of the
// report (by user id) is not the order of insertion, as with real ids.
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export interface GeneratedRecords {
  batchId: string;
  collectionId: string;
  /** The collection's channel: a request from it sees every enrolled user. */
  channel: string;
  enrolments: number;
  attempts: number;
}

const CHANNEL = 'bench.channel';
const COLLECTION = 'do_bench_course';
const BATCH = 'bench-batch-0001';
const LEAVES = 10;
const ASSESSMENTS = [{ id: 'do_bench_assess_1', name: 'Quiz 1' }, { id: 'do_bench_assess_2', name: 'Final test' }];
const STATES = ['Karnataka', 'Kerala', 'Maharashtra', 'Tamil Nadu', 'Uttar Pradesh'];
/** Lines buffered before a write: few syscalls, flat memory. */
const LINES_PER_WRITE = 2000;

export async function generateRecords(dir: string, learners: number): Promise<GeneratedRecords> {
  mkdirSync(dir, { recursive: true });
  const open = (name: string) => new JsonLines(join(dir, name));
  const collections = open('collections.jsonl');
  await collections.add({ id: COLLECTION, name: 'Bench course', channel: CHANNEL, status: 'Live', userConsent: 'No', leafNodesCount: LEAVES, assessments: ASSESSMENTS });
  await collections.close();
  const batches = open('batches.jsonl');
  await batches.add({ id: BATCH, collectionId: COLLECTION, name: 'Bench batch', status: '1', startDate: '2024-01-01', endDate: '2024-12-31' });
  await batches.close();

  const users = open('users.jsonl');
  const enrolments = open('enrolments.jsonl');
  const attempts = open('attempts.jsonl');
  let attemptCount = 0;
  for (let i = 0; i < learners; i++) {
    const userId = uuidOf(i);
    const state = STATES[i % STATES.length]!;
    await users.add({
      id: userId, firstName: `Learner${i}`, lastName: 'Bench', email: `learner${i}@example.org`, rootOrgId: 'org-bench', orgName: 'Bench Org',
      state, district: `${state} District ${i % 7}`, block: `Block ${i % 13}`, cluster: `Cluster ${i % 17}`, schoolId: `school-${i % 997}`,
      schoolName: `School ${i % 997}`, userType: 'student', userSubType: i % 4 === 0 ? 'teacher' : '', board: 'State Board', status: 'active',
    });
    const done = i % (LEAVES + 1);
    const contentStatus: Record<string, number> = {};
    for (let leaf = 0; leaf < LEAVES; leaf++) contentStatus[`do_leaf_${leaf}`] = leaf < done ? 2 : leaf === done ? 1 : 0;
    const completed = done === LEAVES;
    const day = String(1 + (i % 28)).padStart(2, '0');
    await enrolments.add({
      userId, collectionId: COLLECTION, batchId: BATCH, active: true, enrolledDate: `2024-02-${day}T09:30:00Z`,
      completedOn: completed ? `2024-03-${day}T17:00:00Z` : null,
      certificates: completed ? [{ id: `cert-${i}`, name: 'Completion', lastIssuedOn: `2024-03-${day}` }] : [],
      contentStatus,
    });
    // Assessment 1: one or two attempts; assessment 2: none for a third of the learners.
    const perAssessment = [1 + (i % 2), i % 3 === 0 ? 0 : 1];
    for (let a = 0; a < ASSESSMENTS.length; a++) {
      for (let n = 0; n < perAssessment[a]!; n++) {
        attemptCount += 1;
        await attempts.add({
          userId, collectionId: COLLECTION, batchId: BATCH, contentId: ASSESSMENTS[a]!.id, attemptId: `att-${i}-${a}-${n}`,
          totalScore: (i * 7 + n * 3 + a) % 11, totalMaxScore: 10, lastAttemptedOn: `2024-03-${day}T1${n}:00:00Z`,
        });
      }
    }
  }
  await Promise.all([users.close(), enrolments.close(), attempts.close()]);
  return { batchId: BATCH, collectionId: COLLECTION, channel: CHANNEL, enrolments: learners, attempts: attemptCount };
}

function uuidOf(i: number): string {
  const h = createHash('sha1').update(`learner-${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Buffered JSON Lines writer that waits for the disk when the stream says so. */
class JsonLines {
  private readonly stream: WriteStream;
  private lines: string[] = [];

  constructor(path: string) {
    this.stream = createWriteStream(path);
  }

  async add(value: unknown): Promise<void> {
    this.lines.push(JSON.stringify(value));
    if (this.lines.length >= LINES_PER_WRITE) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    const ok = this.stream.write(this.lines.join('\n') + '\n');
    this.lines = [];
    if (!ok) await new Promise<void>((resolve) => this.stream.once('drain', () => resolve()));
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}
