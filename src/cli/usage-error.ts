/** A command called the wrong way: `exhaust` prints its message as one line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
