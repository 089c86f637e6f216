// One demo learner, rebuilt on demand from (seed, index): their user record, their enrolment, their
// attempts and their consent. Each part draws from its own stream, so writing users.jsonl never
// pays for the attempts, and every file agrees on the same learner.
import type { JsonObject } from '../records/fields.js';
import { addDays } from '../time.js';
import { batchOfLearner, type DemoBatch, type DemoPlan, type DemoQuestion, learnerId } from './demo-plan.js';
import { blockSuffixes, firstNames, lastNames, nationalBoards, schoolKinds, states, userTypes } from './places.js';
import { type Random, randomFor, Stream } from './random.js';

export function userOf(plan: DemoPlan, learner: number): JsonObject {
  const random = randomFor(plan.options.seed, Stream.user, learner);
  const stateIndex = random.int(0, states.length - 1);
  const state = states[stateIndex]!;
  const districtIndex = random.int(0, state.districts.length - 1);
  const district = state.districts[districtIndex]!;
  const blockIndex = random.int(0, blockSuffixes.length - 1);
  const block = `${district} ${blockSuffixes[blockIndex]}`;
  const firstName = random.pick(firstNames);
  const lastName = random.pick(lastNames);
  const userType = weighted(random);
  const digits = (n: number) => String(random.int(0, 10 ** n - 1)).padStart(n, '0');
  return {
    id: learnerId(plan, learner),
    firstName,
    lastName,
    email: `${firstName}.${lastName}.${learner + 1}@example.org`.toLowerCase(),
    phone: `9${digits(9)}`,
    rootOrgId: plan.options.channel,
    orgName: plan.orgName,
    state: state.name,
    district,
    block,
    cluster: `${block} Cluster ${random.int(1, 9)}`,
    // UDISE-like: state code, district, block, then the school's own digits (11 in all).
    schoolId: `${state.code}${pad2(districtIndex + 1)}${pad2(blockIndex + 1)}${digits(5)}`,
    schoolName: `${random.pick(schoolKinds)} No. ${random.int(1, 40)}, ${district}`,
    userType: userType.type,
    userSubType: 'subTypes' in userType ? random.pick(userType.subTypes) : undefined,
    board: random.chance(0.6) ? `State (${state.name})` : random.pick(nationalBoards),
    status: 'Active',
  };
}

const pad2 = (n: number) => String(n).padStart(2, '0');

function weighted(random: Random): (typeof userTypes)[number] {
  let roll = random.int(1, userTypes.reduce((sum, t) => sum + t.weight, 0));
  for (const type of userTypes) {
    roll -= type.weight;
    if (roll <= 0) return type;
  }
  return userTypes[0];
}

type Stage = 'not started' | 'in progress' | 'completed';

/** Where the learner stands in their batch: the first draws of the enrolment stream, shared by every file. */
interface Placement {
  random: Random;
  batch: DemoBatch;
  enrolledDate: string;
  stage: Stage;
}

function placementOf(plan: DemoPlan, learner: number): Placement {
  const random = randomFor(plan.options.seed, Stream.enrolment, learner);
  const batch = batchOfLearner(plan, learner);
  const enrolledDate = addDays(batch.startDate, random.int(0, 20));
  const roll = random.next();
  const stage: Stage = roll < 0.1 ? 'not started' : roll < 0.4 ? 'completed' : 'in progress';
  return { random, batch, enrolledDate, stage };
}

export function enrolmentOf(plan: DemoPlan, learner: number): JsonObject {
  const { random, batch, enrolledDate, stage } = placementOf(plan, learner);
  const contentStatus: Record<string, number> = {};
  const done = random.next();
  for (const leaf of batch.collection.leafIds) {
    if (stage === 'completed' || (stage === 'in progress' && random.next() < done)) contentStatus[leaf] = 2;
    else if (stage === 'in progress' && random.chance(0.3)) contentStatus[leaf] = 1;
  }
  const completedOn = stage === 'completed' ? timestamp(random, addDays(enrolledDate, random.int(10, 80))) : undefined;
  const certified = completedOn !== undefined && random.chance(0.85);
  return {
    userId: learnerId(plan, learner),
    batchId: batch.id,
    collectionId: batch.collection.id,
    // A few learners left their batch: inactive enrolments appear in no report.
    active: !random.chance(0.03),
    enrolledDate,
    completedOn,
    certificates: certified
      ? [{ id: random.hex(32), name: `${batch.collection.name}: certificate of completion`, token: random.hex(6).toUpperCase(), lastIssuedOn: completedOn }]
      : [],
    contentStatus,
  };
}

const ATTEMPT_COUNTS = [1, 1, 2, 2, 2, 3, 3, 4];

/** ~2 attempts per learner on average: none before starting, 1–4 after. */
export function attemptsOf(plan: DemoPlan, learner: number): JsonObject[] {
  const { batch, enrolledDate, stage } = placementOf(plan, learner);
  if (stage === 'not started') return [];
  const random = randomFor(plan.options.seed, Stream.attempts, learner);
  const skill = 0.35 + random.next() * 0.6;
  return Array.from({ length: random.pick(ATTEMPT_COUNTS) }, () => {
    const assessment = random.pick(batch.collection.assessments);
    const questions = assessment.questions.map((question) => answer(random, question, skill));
    return {
      userId: learnerId(plan, learner),
      collectionId: batch.collection.id,
      batchId: batch.id,
      contentId: assessment.id,
      attemptId: random.hex(32),
      totalScore: questions.reduce((sum, q) => sum + q.score, 0),
      totalMaxScore: questions.reduce((sum, q) => sum + q.maxScore, 0),
      lastAttemptedOn: timestamp(random, addDays(enrolledDate, random.int(1, 85))),
      questions,
    };
  });
}

/** A question as Sunbird's assessment events carry it: options and answer as JSON text in params. */
function answer(random: Random, question: DemoQuestion, skill: number) {
  const wrong = question.options.map((_, i) => i).filter((i) => !question.correct.includes(i));
  let chosen: readonly number[] = [random.pick(wrong)];
  let score = 0;
  if (random.chance(skill)) [chosen, score] = [question.correct, question.maxScore];
  // Half marks on a multiple-answer question: one right answer picked, the other missed.
  else if (question.type === 'mmcq' && random.chance(0.5)) [chosen, score] = [question.correct.slice(0, 1), 1];
  const option = (i: number) => ({ [String(i + 1)]: JSON.stringify({ text: question.options[i] }) });
  return {
    id: question.id,
    type: question.type,
    title: question.title,
    description: question.description,
    duration: random.int(8, 90),
    score,
    maxScore: question.maxScore,
    params: [...question.options.map((_, i) => option(i)), { answer: JSON.stringify({ correct: question.correct.map((c) => String(c + 1)) }) }],
    response: chosen.map(option),
  };
}

/** One consent per learner of a collection that asks for it; most given, some revoked. */
export function consentOf(plan: DemoPlan, learner: number): JsonObject | undefined {
  const { batch, enrolledDate } = placementOf(plan, learner);
  if (!batch.collection.userConsent) return undefined;
  const random = randomFor(plan.options.seed, Stream.consent, learner);
  return {
    userId: learnerId(plan, learner),
    objectId: batch.collection.id,
    consumerId: plan.options.channel,
    status: random.chance(0.8) ? 'ACTIVE' : 'REVOKED',
    lastUpdatedOn: timestamp(random, addDays(enrolledDate, random.int(0, 30))),
  };
}

function timestamp(random: Random, date: string): string {
  return `${date}T${pad2(random.int(8, 20))}:${pad2(random.int(0, 59))}:${pad2(random.int(0, 59))}Z`;
}
