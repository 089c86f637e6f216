import { createHash } from 'node:crypto';
import { dateInZone } from '../time.js';

export interface RequestIdParts {
  dataset: string;
  tag: string;
  requestedBy: string;
  channel: string;
  submittedAt: number;
  timeZone: string;
  /** `datasetConfig.type`, when present. */
  type?: string;
}

/**
 * Sunbird's request id: upper-case hex MD5 of `dataset|tag|requestedBy|channel|yyyy-MM-dd`
 * (`|type` appended when the config has one). The day makes the same ask on the same day one
 * request; the client's tag (not the stored `tag:channel`) enters the hash, as Sunbird does.
 */
export function requestIdOf(p: RequestIdParts): string {
  const fields = [p.dataset, p.tag, p.requestedBy, p.channel, dateInZone(p.submittedAt, p.timeZone)];
  if (p.type !== undefined) fields.push(p.type);
  return createHash('md5').update(fields.join('|')).digest('hex').toUpperCase();
}
