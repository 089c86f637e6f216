import { Ajv, type ValidateFunction } from 'ajv';
import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { clientError } from '../errors.js';
import { describeSchemaErrors } from '../schema-errors.js';
import { type DatasetRow, findDataset, listDatasets } from './dataset.repository.js';
import { builders, type DatasetBuilder } from './registry.js';

export interface OnDemandDataset {
  builder: DatasetBuilder;
  encryptionKeyRequired: boolean;
  supportedFormats: string[];
  authorizedRoles: string[];
}

const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new Map<string, ValidateFunction>();

/** The dataset a submit names, with its datasetConfig checked against the registered schema. */
export async function onDemandDataset(db: Kysely<Tables>, id: string, datasetConfig: unknown): Promise<OnDemandDataset> {
  const builder = builders.get(id);
  const row = builder ? await findDataset(db, id) : undefined;
  if (!builder || !row) {
    const valid = await buildableIds(db);
    throw clientError(`dataset '${id}' is not an on-demand dataset; valid datasets: ${valid.join(', ')}`);
  }
  const validate = validatorOf(row);
  if (validate && !validate(datasetConfig)) throw clientError(describeSchemaErrors(validate.errors ?? [], 'datasetConfig'));
  const config = parseJson<{ encryptionKeyRequired?: unknown }>(row.dataset_config) ?? {};
  return {
    builder,
    encryptionKeyRequired: config.encryptionKeyRequired === true,
    supportedFormats: parseJson<string[]>(row.supported_formats) ?? ['csv'],
    authorizedRoles: parseJson<string[]>(row.authorized_roles) ?? [],
  };
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
