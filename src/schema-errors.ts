// Turns JSON-schema (ajv) errors into one sentence that names the field, for the 400 envelope.
import type { ErrorObject } from 'ajv';

const SAFE_CHARS = 'letters, digits and _ . : -';

/** `prefix` names the root, e.g. `datasetConfig`; route bodies/queries pass '' (their fields are top-level). */
export function describeSchemaErrors(errors: readonly Partial<ErrorObject>[], prefix = ''): string {
  const anyOf = errors.find((e) => e.keyword === 'anyOf');
  if (anyOf) {
    // ajv reports each failed alternative before the anyOf itself: name the alternatives.
    const path = fieldName(anyOf.instancePath ?? '', prefix) || 'body';
    const constants = errors.filter((e) => e.keyword === 'const').map((e) => (e.params as { allowedValue: unknown }).allowedValue);
    if (constants.length > 0) return `${path} must be one of ${constants.join(', ')}`;
    const options = errors.filter((e) => e.keyword === 'required').map((e) => (e.params as { missingProperty: string }).missingProperty);
    if (options.length > 0) return `${path} must have one of: ${options.join(', ')}`;
    return `${path} does not match any allowed form`;
  }
  const first = errors[0];
  if (!first) return 'invalid request';
  const params = (first.params ?? {}) as Record<string, unknown>;
  const path = fieldName(first.instancePath ?? '', prefix);
  const field = (child: unknown) => [path, child].filter(Boolean).join('.');
  switch (first.keyword) {
    case 'required':
      return `${field(params.missingProperty)} is required`;
    case 'additionalProperties':
      return `${field(params.additionalProperty)} is not a known field`;
    case 'type':
      return `${path || 'body'} must be ${article(String(params.type))}`;
    case 'maxLength':
      return `${path} must be at most ${params.limit} characters`;
    case 'minLength':
      return params.limit === 1 ? `${path} is empty` : `${path} must be at least ${params.limit} characters`;
    case 'pattern':
      return `${path} must contain only ${SAFE_CHARS}`;
    case 'minimum':
      return `${path} must be ≥ ${params.limit}`;
    case 'maximum':
      return `${path} must be ≤ ${params.limit}`;
    case 'maxItems':
      return `${path} must have at most ${params.limit} items`;
    case 'minItems':
      return `${path} must have at least ${params.limit} item${params.limit === 1 ? '' : 's'}`;
    case 'enum':
      return `${path} must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    default:
      return `${path || 'body'} ${first.message ?? 'is invalid'}`;
  }
}

function fieldName(instancePath: string, prefix: string): string {
  const inner = instancePath
    .split('/')
    .filter(Boolean)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? `[${s}]` : s))
    .join('.')
    .replace(/\.\[/g, '[');
  return [prefix, inner].filter(Boolean).join('.').replace(/\.\[/g, '[');
}

function article(type: string): string {
  const words: Record<string, string> = { string: 'a string', integer: 'an integer', number: 'a number', object: 'an object', array: 'an array', boolean: 'a boolean', null: 'null' };
  return type.split(',').map((t) => words[t] ?? t).join(' or ');
}
