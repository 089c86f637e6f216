// What bench/report-child.ts reports back to bench/reports.bench.ts.

/** The encryptionKey of benchmark requests, and the password of the zip-step comparison. */
export const BENCH_PASSWORD = 'bench-passphrase-0123';

export interface ChildResult {
  ms: number;
  /** kB, VmHWM from /proc/self/status: the child's peak resident set. */
  peakRssKb: number;
  /** kB resident once modules were loaded, before the step. */
  startRssKb: number;
  rows?: number;
  bytes?: number;
  status?: string;
  message?: string;
  /** `sql` mode: the report's streaming queries with their parameters inlined. */
  sqls?: string[];
}
