// Names a worker, sweeper or deliverer in its claims and logs: the host and process (so an operator
// can tell whose claim a row holds) and a random suffix (so two in one process never share one).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export const instanceId = (): string => `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
