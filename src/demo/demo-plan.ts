// What a demo is made of before any learner is drawn: its collections (with their assessments and
// the questions of each) and its batches. Both are small (one entry per collection or batch), so
// they are built up front; learners never are (learner.ts draws each on demand).
import { addDays } from '../time.js';
import { contentKinds, courseTitles } from './places.js';
import { type Random, randomFor, Stream } from './random.js';

export interface DemoOptions {
  /** Same seed, same options → the same records, byte for byte. */
  readonly seed: number;
  readonly learners: number;
  readonly batches: number;
  readonly collections: number;
  /** The channel (org) owning the collections and the learners' root org. */
  readonly channel: string;
}

export interface DemoQuestion {
  readonly id: string;
  readonly type: 'mcq' | 'mmcq';
  readonly title: string;
  readonly description: string;
  readonly maxScore: number;
  readonly options: readonly string[];
  /** Indexes into options. */
  readonly correct: readonly number[];
}

export interface DemoAssessment {
  readonly id: string;
  readonly name: string;
  readonly questions: readonly DemoQuestion[];
}

export interface DemoCollection {
  readonly id: string;
  readonly name: string;
  readonly userConsent: boolean;
  readonly assessments: readonly DemoAssessment[];
  /** Every leaf node (assessments included): the keys of an enrolment's contentStatus. */
  readonly leafIds: readonly string[];
}

export interface DemoBatch {
  readonly id: string;
  readonly name: string;
  readonly collection: DemoCollection;
  readonly status: string;
  readonly startDate: string;
  readonly endDate: string;
}

export interface DemoPlan {
  readonly options: DemoOptions;
  readonly collections: readonly DemoCollection[];
  readonly batches: readonly DemoBatch[];
  readonly orgName: string;
}

export const DEMO_FIRST_DAY = '2024-01-01';

export function planDemo(options: DemoOptions): DemoPlan {
  const collections = Array.from({ length: options.collections }, (_, c) => collectionAt(options.seed, c));
  const batches = Array.from({ length: options.batches }, (_, b) => batchAt(options.seed, b, collections[b % collections.length]!, Math.floor(b / collections.length) + 1));
  return { options, collections, batches, orgName: 'Demo School Education Department' };
}

/** Learner i (0-based) is enrolled in batch i mod B: learners are spread evenly over the batches. */
export const batchOfLearner = (plan: DemoPlan, learner: number): DemoBatch => plan.batches[learner % plan.batches.length]!;

export function learnerId(plan: DemoPlan, learner: number): string {
  return `demo-user-${String(learner + 1).padStart(Math.max(4, String(plan.options.learners).length), '0')}`;
}

function collectionAt(seed: number, c: number): DemoCollection {
  const random = randomFor(seed, Stream.collection, c);
  const id = `do_demo_course_${c + 1}`;
  const round = Math.floor(c / courseTitles.length);
  const name = courseTitles[c % courseTitles.length]! + (round > 0 ? ` (Part ${round + 1})` : '');
  const assessments = Array.from({ length: random.int(3, 5) }, (_, a) => assessmentAt(random, `${id}_quiz_${a + 1}`, a));
  const lessons = Array.from({ length: random.int(5, 12) }, (_, l) => `${id}_${random.pick(contentKinds).toLowerCase()}_${l + 1}`);
  // Even collections (the 1st, 3rd, …) ask learners for consent to share their details.
  return { id, name, userConsent: c % 2 === 0, assessments, leafIds: [...lessons, ...assessments.map((a) => a.id)] };
}

function assessmentAt(random: Random, id: string, a: number): DemoAssessment {
  const questions = Array.from({ length: random.int(3, 5) }, (_, q) => questionAt(random, `${id}_q${q + 1}`));
  return { id, name: `Quiz ${a + 1}`, questions };
}

function questionAt(random: Random, id: string): DemoQuestion {
  const x = random.int(3, 12);
  const y = random.int(3, 12);
  if (random.chance(0.25)) {
    // Multiple answers: which numbers are multiples of x? Two of the four are.
    const options = [x * y, x * (y + 1), x * y + 1, x * (y + 1) - 1].map(String);
    return { id, type: 'mmcq', title: 'Multiples', description: `Which of these are multiples of ${x}?`, maxScore: 2, options, correct: [0, 1] };
  }
  const answer = x * y;
  const options = [answer, answer + x, answer - y, answer + 1].map(String);
  const shift = random.int(0, 3);
  const rotated = [...options.slice(shift), ...options.slice(0, shift)];
  return { id, type: 'mcq', title: 'Multiplication', description: `What is ${x} × ${y}?`, maxScore: 1, options: rotated, correct: [(4 - shift) % 4] };
}

function batchAt(seed: number, b: number, collection: DemoCollection, ofCollection: number): DemoBatch {
  const random = randomFor(seed, Stream.batch, b);
  const startDate = addDays(DEMO_FIRST_DAY, (b * 7) % 280 + random.int(0, 6));
  const endDate = addDays(startDate, 90);
  // Sunbird's batch status: 1 ongoing, 2 ended (as of the demo's last day, 2024-12-31).
  return { id: `demo-batch-${b + 1}`, name: `${collection.name} — Batch ${ofCollection}`, collection, status: endDate < '2024-10-01' ? '2' : '1', startDate, endDate };
}
