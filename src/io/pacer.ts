// Pacing under a rate limit: requests spread evenly (one every window/rate ms, never a burst that
// fills a short server window at once), at a rate that halves on each 429 and climbs back with
// every success (additive increase, multiplicative decrease), never above what the user allowed.

/** The slowest pace after repeated halving: one request every 10 s. */
const MIN_RATE = 6;
/** Successes needed to climb from nothing back to the ceiling. */
const RECOVERY_STEPS = 50;

export class Pacer {
  /** Requests per `windowMs`; 0 = unpaced. */
  private rate: number;
  private ceiling: number;
  private nextSlot = 0;
  private lastCut = 0;
  private readonly recent: number[] = [];

  constructor(
    limit: number,
    private readonly windowMs: number,
  ) {
    this.rate = limit;
    this.ceiling = limit;
  }

  /** Books the next free slot and returns how long to wait for it (0 = go now). */
  reserve(now: number): number {
    this.recent.push(now);
    while ((this.recent[0] as number) <= now - this.windowMs) this.recent.shift();
    if (this.rate <= 0) return 0;
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + this.windowMs / this.rate;
    return at - now;
  }

  /** A 429 for a request sent at `sentAt`: halve the rate, once per burst of 429s (not once per worker). */
  slowDown(sentAt: number, now: number): void {
    if (sentAt < this.lastCut) return;
    this.lastCut = now;
    // Unpaced so far: start from the rate really sent lately (over at least a second, as a burst says little).
    if (this.rate <= 0) {
      const span = Math.max(1000, now - (this.recent[0] ?? now));
      this.ceiling = this.rate = Math.max(MIN_RATE, (this.recent.length * this.windowMs) / span);
    }
    this.rate = Math.max(MIN_RATE, this.rate / 2);
    this.nextSlot = Math.max(this.nextSlot, now + this.windowMs / this.rate);
  }

  speedUp(): void {
    if (this.rate > 0 && this.rate < this.ceiling) this.rate = Math.min(this.ceiling, this.rate + this.ceiling / RECOVERY_STEPS);
  }

  /** Requests per window at the moment (0 = unpaced). */
  get current(): number {
    return this.rate;
  }
}
