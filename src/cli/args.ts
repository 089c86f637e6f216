import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

/** Strict option parsing for the commands; a mistake becomes one usage line. */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options });
  } catch (error) {
    // parseArgs explains itself in one sentence (unknown option, missing value).
    throw new UsageError(`${(error as Error).message.split('\n')[0]}; ${usage}`);
  }
}
