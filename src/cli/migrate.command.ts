import { loadConfig } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { closeServices, openServices } from '../services.js';

export async function migrateCommand(): Promise<number> {
  const services = await openServices(loadConfig());
  try {
    const applied = await migrateToLatest(services.databases.main);
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date');
    return 0;
  } finally {
    await closeServices(services);
  }
}
