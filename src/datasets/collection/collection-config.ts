// What the collection datasets read from datasetConfig: `batchId`, or `batchFilter: [ids]`.

/**
 * The batches a request names, in the order given, without repeats (a repeated id would name the
 * same artefact twice). `batchId` wins when both are present, as in Sunbird. The ≤ 20 limit of
 * `batchFilter` is the submit validation's to enforce.
 */
export function batchIdsOf(datasetConfig: Record<string, unknown>): string[] {
  const { batchId, batchFilter } = datasetConfig;
  const given = typeof batchId === 'string' && batchId.trim() !== '' ? [batchId] : Array.isArray(batchFilter) ? batchFilter : [];
  const ids = given.filter((id): id is string => typeof id === 'string' && id.trim() !== '').map((id) => id.trim());
  return [...new Set(ids)];
}
