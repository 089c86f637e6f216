import { Ajv, type ValidateFunction } from 'ajv';
import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { clientError } from '../errors.js';
import { describeSchemaErrors } from '../schema-errors.js';
import { type DatasetRow, findDataset, listDatasets } from './dataset.repository.js';
import { builders, type DatasetBuilder } from './registry.js';

export interface OnDemandDataset {
  id: string;
  builder: DatasetBuilder;
  encryptionKeyRequired: boolean;
  supportedFormats: string[];
  authorizedRoles: string[];
}

const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new Map<string, ValidateFunction>();

/**
 * The dataset a submit names. Its datasetConfig is checked apart (checkDatasetConfig), after the
 * caller is authorized for the dataset: a caller without the right learns nothing from a 400.
 */
export async function onDemandDataset(db: Kysely<Tables>, id: string): Promise<OnDemandDataset & { row: DatasetRow }> {
  const builder = builders.get(id);
  const row = builder ? await findDataset(db, id) : undefined;
  if (!builder || !row) {
    const valid = await buildableIds(db);
    throw clientError(`dataset '${id}' is not an on-demand dataset; valid datasets: ${valid.join(', ')}`);
  }
  const config = parseJson<{ encryptionKeyRequired?: unknown }>(row.dataset_config) ?? {};
  return {
    id,
    row,
    builder,
    encryptionKeyRequired: config.encryptionKeyRequired === true,
    supportedFormats: parseJson<string[]>(row.supported_formats) ?? ['csv'],
    authorizedRoles: parseJson<string[]>(row.authorized_roles) ?? [],
  };
}

/** Checks a datasetConfig against the schema registered for its dataset. */
export function checkDatasetConfig(dataset: { row: DatasetRow }, datasetConfig: unknown): void {
  const validate = validatorOf(dataset.row);
  if (validate && !validate(datasetConfig)) throw clientError(describeSchemaErrors(validate.errors ?? [], 'datasetConfig'));
}

async function buildableIds(db: Kysely<Tables>): Promise<string[]> {
  return (await listDatasets(db)).map((d) => d.dataset_id).filter((id) => builders.has(id));
}

function validatorOf(row: DatasetRow): ValidateFunction | undefined {
  if (!row.validation_json) return undefined;
  const cacheKey = `${row.dataset_id}@${row.updated_on}`;
  let validate = compiled.get(cacheKey);
  if (!validate) {
    validate = ajv.compile(JSON.parse(row.validation_json) as object);
    compiled.set(cacheKey, validate);
  }
  return validate;
}

/** Compiles a schema given to dataset add, so a broken one is refused before it is stored. */
export function checkValidationSchema(schema: unknown): string | undefined {
  try {
    ajv.compile(schema as object);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export function parseJson<T>(text: string | null): T | undefined {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
