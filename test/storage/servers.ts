// The storage servers the cloud stores are tested against, all on 127.0.0.1:
// - Azurite (a dev dependency), started here as a child process on a free port, in memory;
// - an S3 server that really checks signatures (Swift s3api from scripts/start-swift-s3.sh), found
//   through TEST_S3_ENDPOINT or on 127.0.0.1:8081.
// A server that cannot be had skips its tests with one line saying why; under CI (CI=true, where
// .ci/run provides both) that is a failure instead, so a broken set-up cannot pass silently.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Settings } from '../../src/storage/s3/s3-blob-store.js';

export type Available<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Azurite's documented development account. */
const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  connectionString: string;
  stop(): Promise<void>;
}

export async function startAzurite(): Promise<Available<Azurite>> {
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  } catch {
    return { ok: false, reason: 'azurite is not installed (npm ci installs it as a dev dependency)' };
  }
  const cwd = mkdtempSync(join(tmpdir(), 'exhaust-azurite-'));
  const child = spawn(
    process.execPath,
    [main, '--blobHost', '127.0.0.1', '--blobPort', '0', '--skipApiVersionCheck', '--disableTelemetry', '--inMemoryPersistence', '--extentMemoryLimit', '512', '--silent'],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(cwd, { recursive: true, force: true });
  };
  const port = await listeningPort(child, 20_000);
  if (typeof port !== 'number') {
    await stop();
    return { ok: false, reason: `azurite did not start: ${port}` };
  }
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`;
  return { ok: true, value: { connectionString, stop } };
}

/** The port Azurite reports, or why there is none. */
function listeningPort(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    let output = '';
    const timer = setTimeout(() => resolve(`no "listens on" line within ${timeoutMs} ms: ${output.trim().slice(-200)}`), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      const match = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve(error.message);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(`exited with ${code}: ${output.trim().slice(-200)}`);
    });
  });
}

/** The S3 server of the tests: TEST_S3_ENDPOINT (+ _ACCESS_KEY_ID, _SECRET_ACCESS_KEY, _REGION), else Swift on 8081. */
export async function findS3(): Promise<Available<S3Settings>> {
  const env = process.env;
  const endpoint = env.TEST_S3_ENDPOINT ?? 'http://127.0.0.1:8081';
  try {
    // Any HTTP answer will do (an anonymous GET / is refused by a real S3 server).
    await fetch(endpoint, { signal: AbortSignal.timeout(3000) });
  } catch (error) {
    const how = env.TEST_S3_ENDPOINT ? `TEST_S3_ENDPOINT=${endpoint}` : `${endpoint} (set TEST_S3_ENDPOINT, or run scripts/start-swift-s3.sh)`;
    return { ok: false, reason: `no S3 server answers at ${how}: ${(error as Error).cause ?? (error as Error).message}` };
  }
  return {
    ok: true,
    value: {
      endpoint,
      region: env.TEST_S3_REGION ?? 'us-east-1',
      accessKeyId: env.TEST_S3_ACCESS_KEY_ID ?? 'test:tester',
      secretAccessKey: env.TEST_S3_SECRET_ACCESS_KEY ?? 'testing',
      forcePathStyle: true,
    },
  };
}

/** The skip option of a suite whose server is missing, after saying so in one line (a failure under CI). */
export function skipUnless(store: string, available: Available<unknown>): { skip?: string } {
  if (available.ok) return {};
  const line = `${store}: skipped — ${available.reason}`;
  if (process.env.CI === 'true') throw new Error(`${line} (CI=true: .ci/run must provide this server)`);
  console.log(`# ${line}`);
  return { skip: available.reason };
}
