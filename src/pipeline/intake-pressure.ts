// Whether the pipeline's intake (memory guard, write-ahead log, ring) is taking data: the
// receivers' downstream notes each answer; /readyz turns 503 once it has refused everything
// for service.readiness.ring_full_for. Shared by every receiver of the process.
export class IntakePressure {
  private refusingSince: number | undefined;

  /** A request refused for lack of room (ring full, memory limit, log failing) or dropped. */
  refused(now: number): void {
    this.refusingSince ??= now;
  }

  /** A request taken: the intake is not stuck. Hot path: an assignment. */
  accepted(): void {
    this.refusingSince = undefined;
  }

  /** How long every request has been refused (0 while taking data). */
  refusingFor(now: number): number {
    return this.refusingSince === undefined ? 0 : now - this.refusingSince;
  }
}
