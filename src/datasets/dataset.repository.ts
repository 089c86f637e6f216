import type { Kysely, Selectable } from 'kysely';
import type { DatasetMetadataTable, Tables } from '../db/database.js';
import { preparedQuery } from '../db/prepared-query.js';

export type DatasetRow = Selectable<DatasetMetadataTable>;

/** Every column of a DatasetRow, named: a prepared query may not select * (see db/prepared-query.ts). */
const DATASET_COLUMNS = [
  'dataset_id', 'dataset_sub_id', 'dataset_config', 'visibility', 'dataset_type', 'version', 'authorized_roles',
  'available_from', 'sample_request', 'sample_response', 'validation_json', 'druid_query', 'limits',
  'supported_formats', 'exhaust_type', 'created_on', 'updated_on',
] as const satisfies readonly (keyof DatasetRow)[];

// Every submit looks its dataset up: compiled once.
const datasetById = preparedQuery((db, v: { id: string }) => db.selectFrom('dataset_metadata').select(DATASET_COLUMNS).where('dataset_id', '=', v.id));

export async function findDataset(db: Kysely<Tables>, id: string): Promise<DatasetRow | undefined> {
  // The type checks that DATASET_COLUMNS names them all.
  const row: DatasetRow | undefined = (await datasetById(db, { id })).rows[0];
  return row;
}

export function listDatasets(db: Kysely<Tables>): Promise<DatasetRow[]> {
  return db.selectFrom('dataset_metadata').selectAll().orderBy('dataset_id').execute();
}

export type DatasetWrite = Omit<DatasetRow, 'created_on' | 'updated_on'>;

/** Registers a dataset or replaces its metadata (Sunbird's add is an upsert too). */
export async function saveDataset(db: Kysely<Tables>, d: DatasetWrite, now: number): Promise<void> {
  const { dataset_id: _id, ...changes } = d;
  await db
    .insertInto('dataset_metadata')
    .values({ ...d, created_on: now, updated_on: now })
    .onConflict((oc) => oc.column('dataset_id').doUpdateSet({ ...changes, updated_on: now }))
    .execute();
}
