// `exhaust signin-link <userId> --org <org> --roles <R1,R2>`: prints a one-time link to the reports
// page that opens a session for that person, valid 15 minutes. For a deployment without an
// identity provider, and for the demo; it needs the deployment's database and secret (run it on
// the server). The issue is logged; the link never is.
import { loadConfig } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { closeServices, openServices } from '../services.js';
import { createSigninLink, SIGNIN_LINK_TTL_MS, signinLinkUrl } from '../sessions/signin-link.js';
import { roleList } from '../sign-in-config.js';
import { parseCommandArgs } from './args.js';
import { UsageError } from './usage-error.js';

const USAGE = 'usage: exhaust signin-link <userId> --org <org> --roles <ROLE,...>';
const ID = /^[A-Za-z0-9_.@:-]{1,200}$/;

/** 0 printed, 2 usage. */
export async function signinLinkCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { org: { type: 'string' }, roles: { type: 'string' } }, USAGE);
  const [userId, ...extra] = positionals;
  if (!userId || extra.length > 0) throw new UsageError(USAGE);
  if (!ID.test(userId)) throw new UsageError('userId must be 1–200 letters, digits or _ . @ : -');
  if (!values.org || !ID.test(values.org)) throw new UsageError(`--org <org> is required: the person's root organisation (the channel of their batches); ${USAGE}`);
  const roles = roleList(values.roles ?? '');
  if (!roles) throw new UsageError(`--roles <ROLE,...> is required, e.g. COURSE_MENTOR or ORG_ADMIN; ${USAGE}`);

  const config = loadConfig();
  // The log goes to stderr: stdout holds the link alone, for a script to take.
  const services = await openServices(config, { logger: createLogger(config.logLevel, process.stderr) });
  try {
    const database = services.databases.main;
    await migrateToLatest(database);
    const person = { userId, roles, rootOrg: { id: values.org } };
    const link = signinLinkUrl(services.config.publicUrl, await createSigninLink(database.db, person, services.clock.now()));
    services.logger.info({ userId, org: values.org, roles: person.roles }, 'sign-in link issued');
    console.log(link);
    console.error(`valid ${SIGNIN_LINK_TTL_MS / 60_000} minutes, once: it signs in ${userId} (${person.roles.join(', ')}) of ${values.org}`);
    return 0;
  } finally {
    await closeServices(services);
  }
}
