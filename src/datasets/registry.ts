// The datasets this service can build. The metadata table may describe any dataset id (roles,
// visibility, validation); a request can only be submitted for one listed here.
import type { DatasetBuilder } from './dataset.js';
import { progressDataset } from './progress/progress.dataset.js';
import { responseDataset } from './response/response.dataset.js';
import { userinfoDataset } from './userinfo/userinfo.dataset.js';

export const builders: ReadonlyMap<string, DatasetBuilder> = new Map(
  [progressDataset, responseDataset, userinfoDataset].map((b) => [b.id, b]),
);
export type { DatasetBuilder };
