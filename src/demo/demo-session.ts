// The ready-to-paste session printed after the first-run demo is loaded: submit a progress report
// for a demo batch, read it until it shows a link, download the zip, open it with 7-Zip. Kept as
// data (DemoSession) so a test can replay the very calls it prints.
import { requestIdOf } from '../requests/request-id.js';

export interface DemoCall {
  readonly method: 'GET' | 'POST';
  /** Path and query, as the API is called. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

export interface DemoSession {
  /** Where the API is reached (EXHAUST_PUBLIC_URL). */
  readonly baseUrl: string;
  readonly channel: string;
  readonly consumer: string;
  readonly learners: number;
  readonly collections: number;
  readonly batchIds: readonly string[];
  /** The batch the session asks a report for. */
  readonly batchId: string;
  readonly encryptionKey: string;
  /** The id submit answers with, for a submit made on the day the session was made. */
  readonly requestId: string;
  readonly submit: DemoCall;
  readonly read: DemoCall;
  /** Name the downloaded zip is saved under. */
  readonly zipFile: string;
  /** One-time links to the reports page (15 minutes). */
  readonly signinLinks: DemoSigninLinks;
}

export interface DemoSigninLinks {
  readonly mentor: { readonly userId: string; readonly batchId: string; readonly url: string };
  readonly admin: { readonly userId: string; readonly url: string };
}

export interface DemoSessionInput {
  baseUrl: string;
  channel: string;
  consumer: string;
  learners: number;
  collections: number;
  batchIds: readonly string[];
  /** The instant and zone that fix the request id's date. */
  now: number;
  timeZone: string;
  signinLinks: DemoSigninLinks;
}

const DATASET = 'progress-exhaust';
const REQUESTED_BY = 'demo-mentor';
const KEY = 'demo-passphrase';

export function demoSession(input: DemoSessionInput): DemoSession {
  const batchId = input.batchIds[0]!;
  const headers = { 'X-Channel-ID': input.channel, 'X-Consumer-ID': input.consumer };
  const requestId = requestIdOf({ dataset: DATASET, tag: batchId, requestedBy: REQUESTED_BY, channel: input.channel, submittedAt: input.now, timeZone: input.timeZone });
  const request = { tag: batchId, dataset: DATASET, requestedBy: REQUESTED_BY, encryptionKey: KEY, datasetConfig: { batchId } };
  return {
    baseUrl: input.baseUrl,
    channel: input.channel,
    consumer: input.consumer,
    learners: input.learners,
    collections: input.collections,
    batchIds: input.batchIds,
    batchId,
    encryptionKey: KEY,
    requestId,
    submit: { method: 'POST', path: '/dataset/v1/request/submit', headers: { 'Content-Type': 'application/json', ...headers }, body: { request } },
    read: { method: 'GET', path: `/dataset/v1/request/read/${batchId}?requestId=${requestId}`, headers },
    zipFile: `${batchId}.zip`,
    signinLinks: input.signinLinks,
  };
}

/** The session as text to paste into a shell; bold step titles only when `color` (a terminal). */
export function formatDemoSession(s: DemoSession, options: { color?: boolean } = {}): string {
  const title = (text: string) => (options.color ? `\x1b[1m${text}\x1b[0m` : text);
  const headers = (call: DemoCall) => Object.entries(call.headers).map(([name, value]) => `-H '${name}: ${value}'`).join(' ');
  const readCurl = `curl -s '${s.baseUrl}${s.read.path}' \\\n  ${headers(s.read)}`;
  const firstLink = `node -p 'JSON.parse(require("fs").readFileSync(0)).result.downloadUrls[0]'`;
  return [
    title('Open the reports page in a browser, signed in (each link works once, for 15 minutes):'),
    '',
    `   the mentor of ${s.signinLinks.mentor.batchId} (${s.signinLinks.mentor.userId}):`,
    `   ${s.signinLinks.mentor.url}`,
    `   an org admin of ${s.channel} (${s.signinLinks.admin.userId}), who sees every batch:`,
    `   ${s.signinLinks.admin.url}`,
    `   (a new link: ./bin/exhaust.js signin-link ${s.signinLinks.mentor.userId} --org ${s.channel} --roles COURSE_MENTOR)`,
    '',
    title('Or call the API as a client would:'),
    '',
    title(`Demo data loaded: ${s.learners} learners in ${s.batchIds.length} batches (${s.batchIds.join(', ')}) of ${s.collections} collections,`),
    `with enrolments, attempts and consents, for channel ${s.channel}; gateway consumer ${s.consumer} may act for it.`,
    `It was loaded because the database was empty; EXHAUST_DEMO=0 turns this off.`,
    '',
    title(`1. Ask for the progress report of batch ${s.batchId}:`),
    '',
    `curl -s ${s.baseUrl}${s.submit.path} \\`,
    `  ${headers(s.submit)} \\`,
    `  -d '${JSON.stringify(s.submit.body)}'`,
    '',
    title(`2. Read it (a few seconds later its status is SUCCESS and downloadUrls holds a link):`),
    '',
    readCurl,
    '',
    `   (requestId is in the answer to step 1; for a submit made today it is ${s.requestId}.)`,
    '',
    title(`3. Download the zip: paste the link from downloadUrls (it works for EXHAUST_URL_TTL_MINUTES),`),
    '',
    `curl -s -o ${s.zipFile} '<the link from downloadUrls>'`,
    '',
    `   or read and download in one go:`,
    '',
    `curl -s -o ${s.zipFile} "$(${readCurl.replace('\\\n  ', '')} | ${firstLink})"`,
    '',
    title(`4. Open it with 7-Zip (the password is the encryptionKey of step 1):`),
    '',
    `7z x -p${s.encryptionKey} ${s.zipFile}`,
    '',
  ].join('\n');
}
