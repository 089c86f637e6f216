// `exhaust publish <file> --dataset <id> --date <yyyy-mm-dd> [--channel <ch> | --public] [--part <p>]`:
// streams a day's exhaust file into the store (DESIGN §4, §8 "CLI"). Needs no database.
import { createReadStream, statSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { AppError } from '../errors.js';
import { extensionOf } from '../exhaust/exhaust.js';
import { checkPublishInput, publishExhaustFile } from '../exhaust/publish.js';
import { createBlobStore, keysOf } from '../services.js';
import { parseCommandArgs } from './args.js';
import { UsageError } from './usage-error.js';

const USAGE = 'usage: exhaust publish <file> --dataset <id> --date <yyyy-mm-dd> (--channel <channel> | --public) [--part <part>]';

/** 0 published, 2 usage. */
export async function publishCommand(args: string[]): Promise<number> {
  const { file, dataset, date, channel, isPublic, part } = parse(args);
  const config = loadConfig();
  let target;
  try {
    target = checkPublishInput({ config }, { dataset, date, channel, public: isPublic || undefined, part, extension: extensionOf(file) ?? '' });
  } catch (error) {
    if (error instanceof AppError) throw new UsageError(error.message);
    throw error;
  }
  if (!isFile(file)) throw new UsageError(`${file} is not a readable file`);
  const store = await createBlobStore(config, keysOf(config));
  try {
    const result = await publishExhaustFile({ config, store }, target, createReadStream(file, { highWaterMark: 256 * 1024 }));
    console.log(`published ${result.container}/${result.key} (${result.size} bytes)`);
    for (const key of result.replaced) console.log(`replaced ${result.container}/${key}`);
    return 0;
  } finally {
    await store.close?.();
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function parse(args: string[]) {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      dataset: { type: 'string' },
      date: { type: 'string' },
      channel: { type: 'string' },
      public: { type: 'boolean' },
      part: { type: 'string' },
    },
    USAGE,
  );
  if (positionals.length !== 1) throw new UsageError(USAGE);
  if (values.dataset === undefined) throw new UsageError(`--dataset is required; ${USAGE}`);
  if (values.date === undefined) throw new UsageError(`--date is required; ${USAGE}`);
  if ((values.channel !== undefined) === (values.public === true)) throw new UsageError(`give exactly one of --channel <channel> or --public; ${USAGE}`);
  return { file: positionals[0]!, dataset: values.dataset, date: values.date, channel: values.channel, isPublic: values.public === true, part: values.part };
}
