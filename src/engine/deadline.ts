// One budget for the whole transition: every command's timeout is clamped to what is left of it,
// so the total never exceeds --deadline however many commands a plan runs.
export class Deadline {
  readonly startedAt: number;
  constructor(readonly totalMs: number, private readonly now: () => number = () => performance.now()) {
    this.startedAt = now();
  }
  elapsedMs(): number {
    return this.now() - this.startedAt;
  }
  remainingMs(): number {
    return Math.max(0, this.totalMs - this.elapsedMs());
  }
  expired(): boolean {
    return this.remainingMs() <= 0;
  }
  /** A per-command timeout that cannot outlive the deadline. */
  clamp(timeoutMs: number): number {
    return Math.max(0, Math.min(timeoutMs, this.remainingMs()));
  }
}
