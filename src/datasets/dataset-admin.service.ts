// The dataset registry as the internal API exposes it (Sunbird's dataset add/list).
import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { clientError } from '../errors.js';
import { type DatasetRow, listDatasets, saveDataset } from './dataset.repository.js';
import { checkValidationSchema, parseJson } from './dataset.service.js';

export interface DatasetInput {
  dataset?: string;
  datasetSubId?: string;
  datasetConfig?: Record<string, unknown>;
  datasetType?: string;
  version?: string;
  visibility?: string;
  authorizedRoles?: string[];
  availableFrom?: string;
  validationJson?: Record<string, unknown>;
  sampleRequest?: string;
  sampleResponse?: string;
  druidQuery?: string;
  limits?: string;
  supportedFormats?: string[];
  exhaustType?: string;
}

const REQUIRED = ['dataset', 'datasetType', 'version', 'visibility', 'authorizedRoles'] as const;

export async function addDataset(db: Kysely<Tables>, input: DatasetInput, now: number): Promise<{ message: string }> {
  for (const field of REQUIRED) {
    const value = input[field];
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) throw clientError(`${field} is empty`);
  }
  if (input.validationJson !== undefined) {
    const problem = checkValidationSchema(input.validationJson);
    if (problem) throw clientError(`validationJson is not a valid JSON schema: ${problem}`);
  }
  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  const id = input.dataset as string;
  await saveDataset(
    db,
    {
      dataset_id: id,
      dataset_sub_id: input.datasetSubId ?? null,
      dataset_config: json(input.datasetConfig),
      visibility: input.visibility as string,
      dataset_type: input.datasetType as string,
      version: input.version as string,
      authorized_roles: JSON.stringify(input.authorizedRoles),
      available_from: input.availableFrom ? Date.parse(input.availableFrom) : null,
      sample_request: input.sampleRequest ?? null,
      sample_response: input.sampleResponse ?? null,
      validation_json: json(input.validationJson),
      druid_query: input.druidQuery ?? null,
      limits: input.limits ?? null,
      supported_formats: json(input.supportedFormats),
      exhaust_type: input.exhaustType ?? null,
    },
    now,
  );
  return { message: `Dataset ${id} added successfully` };
}

export async function datasetCatalogue(db: Kysely<Tables>) {
  const rows = await listDatasets(db);
  return { count: rows.length, datasets: rows.map(toWire) };
}

function toWire(d: DatasetRow) {
  const wire: Record<string, unknown> = {
    dataset: d.dataset_id,
    datasetSubId: d.dataset_sub_id ?? undefined,
    datasetConfig: parseJson(d.dataset_config),
    datasetType: d.dataset_type,
    version: d.version,
    visibility: d.visibility,
    authorizedRoles: parseJson<string[]>(d.authorized_roles) ?? [],
    availableFrom: d.available_from ?? undefined,
    validationJson: parseJson(d.validation_json),
    sampleRequest: d.sample_request ?? undefined,
    sampleResponse: d.sample_response ?? undefined,
    druidQuery: d.druid_query ?? undefined,
    limits: d.limits ?? undefined,
    supportedFormats: parseJson<string[]>(d.supported_formats),
    exhaustType: d.exhaust_type ?? undefined,
    lastUpdated: d.updated_on,
  };
  for (const key of Object.keys(wire)) if (wire[key] === undefined) delete wire[key];
  return wire;
}
