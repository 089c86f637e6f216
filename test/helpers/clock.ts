import type { Clock } from '../../src/time.js';

/** A clock tests move by hand: no sleeps, no flaky midnights. */
export class TestClock implements Clock {
  constructor(private ms: number = Date.parse('2024-01-15T10:00:00Z')) {}
  now(): number {
    return this.ms;
  }
  set(iso: string | number): void {
    this.ms = typeof iso === 'number' ? iso : Date.parse(iso);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
