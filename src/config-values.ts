// The building blocks of reading settings, shared by config.ts and the files it delegates to:
// one error that holds every problem, and the checks a setting's value goes through.

/** Every problem of a configuration; the message holds one line per problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join('\n'));
    this.problems = list;
  }
}

export type Read = (name: string) => string | undefined;
/** Runs one setting's check; a problem is noted and `fallback` stands in, so one pass finds them all. */
export type Check = <T>(parse: () => T, fallback: T) => T;

/** An integer setting within [min, max]; `fallback` when unset. */
export function integer(read: Read, name: string, fallback: number, min: number, max: number): number {
  const raw = read(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not an integer between ${min} and ${max}`);
  }
  return Number(raw);
}

/** An http(s) URL of another service, kept as given (a prefix may end in `/`). Never echoed: it may carry credentials. */
export function serviceUrlOf(name: string, url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw new ConfigError(`${name} is not an http(s) URL`);
  return url;
}
