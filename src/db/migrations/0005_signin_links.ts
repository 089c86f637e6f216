import type { Kysely } from 'kysely';

// One-time sign-in links of the reports page (`exhaust signin-link`): only a hash of the link's
// secret is kept, with the facts the session will carry and when the link was used.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signin_link')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('created_on', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_on', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('signin_link').execute();
}
