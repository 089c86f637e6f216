// The datasets this service can build. The metadata table may describe any dataset id (roles,
// visibility, validation); a request can only be submitted for one listed here.
import type { DatasetBuilder } from './dataset.js';

const notYetBuilt = (id: string, reportKey: string): DatasetBuilder => ({
  id,
  reportKey,
  // eslint-disable-next-line require-yield
  async *reports() {
    throw new Error(`${id} cannot be built yet`);
  },
});

export const builders: ReadonlyMap<string, DatasetBuilder> = new Map(
  [notYetBuilt('progress-exhaust', 'progress'), notYetBuilt('response-exhaust', 'response'), notYetBuilt('userinfo-exhaust', 'userinfo')].map((b) => [b.id, b]),
);
export type { DatasetBuilder };
