// `exhaust <command>`: one file per command; this one only dispatches and reports config errors.
import { ConfigError } from '../config.js';
import { consumerCommand } from './consumer.command.js';
import { demoCommand } from './demo.command.js';
import { importCommand } from './import.command.js';
import { migrateCommand } from './migrate.command.js';
import { publishCommand } from './publish.command.js';
import { startCommand } from './start.command.js';

const USAGE = `usage: exhaust <command>

  start                          migrate, then serve the API and run a worker in one process
  api                            serve the API only (schema must be up to date)
  worker                         build submitted requests only (schema must be up to date)
  migrate                        bring the database schema up to date
  consumer add <consumerId> <channel>     let a gateway consumer act for a channel
  consumer remove <consumerId> <channel>  revoke it (takes effect at once)
  consumer list                  show the mappings
  import <dir>                   load users.jsonl … consents.jsonl from <dir> (each file all or nothing)
  publish <file> --dataset <id> --date <yyyy-mm-dd> (--channel <ch> | --public) [--part <p>]
                                 store a day's exhaust file; without --part it replaces the day's file
  demo generate --learners <n> --batches <n> --out <dir> [--collections <n>] [--seed <n>] [--channel <ch>]
                                 write realistic, deterministic records for 'import <dir>'

Configuration is read from the environment; see README.md.`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  start: (args) => startCommand(args, { api: true, worker: true, migrate: true }),
  api: (args) => startCommand(args, { api: true, worker: false, migrate: false }),
  worker: (args) => startCommand(args, { api: false, worker: true, migrate: false }),
  migrate: migrateCommand,
  consumer: consumerCommand,
  import: importCommand,
  publish: publishCommand,
  demo: demoCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`exhaust: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(args);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`exhaust: ${error.message}`);
      return 2;
    }
    if (error instanceof UsageError) {
      console.error(`exhaust: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

export class UsageError extends Error {}
