// `exhaust <command>`: one file per command; this one only dispatches and reports usage and config errors.
import { ConfigError } from '../config.js';
import { UsageError } from './usage-error.js';

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
  signin-link <userId> --org <org> --roles <ROLE,...>
                                 print a one-time link (15 minutes) that signs the person in to the reports page
  demo generate --learners <n> --batches <n> --out <dir> [--collections <n>] [--seed <n>] [--channel <ch>]
                                 write realistic, deterministic records for 'import <dir>'

Configuration is read from the environment; see README.md.`;

type Command = (args: string[]) => Promise<number>;

// Each command's module is loaded only when it runs: `exhaust consumer list` never loads Fastify,
// the worker or the zip writer (loading them all took ~0.5 s of every call).
const commands: Record<string, Command> = {
  start: async (args) => (await import('./start.command.js')).startCommand(args, { api: true, worker: true, migrate: true }),
  api: async (args) => (await import('./start.command.js')).startCommand(args, { api: true, worker: false, migrate: false }),
  worker: async (args) => (await import('./start.command.js')).startCommand(args, { api: false, worker: true, migrate: false }),
  migrate: async () => (await import('./migrate.command.js')).migrateCommand(),
  consumer: async (args) => (await import('./consumer.command.js')).consumerCommand(args),
  import: async (args) => (await import('./import.command.js')).importCommand(args),
  publish: async (args) => (await import('./publish.command.js')).publishCommand(args),
  demo: async (args) => (await import('./demo.command.js')).demoCommand(args),
  'signin-link': async (args) => (await import('./signin-link.command.js')).signinLinkCommand(args),
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
      // Every problem at once, a line each, so one restart fixes them all.
      for (const problem of error.problems) console.error(`exhaust: ${problem}`);
      return 2;
    }
    if (error instanceof UsageError) {
      console.error(`exhaust: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
