// Pacing under a rate limit. A token bucket spreads requests evenly (one every window/rate ms) with a
// burst of at most one second's worth, so a short server window is never filled at once, yet a
// worker that stalled (a slow disk) can catch up. On top, never more than `limit` requests in any
// window. The rate halves on each 429 and climbs back with every success (additive increase,
// multiplicative decrease), never above what the user allowed.

/** The slowest pace after repeated halving: one request every 10 s. */
const MIN_RATE = 6;
/** Successes needed to climb from nothing back to the ceiling. */
const RECOVERY_STEPS = 50;

export class Pacer {
  /** Requests per `windowMs`; 0 = unpaced. */
  private rate: number;
  private ceiling: number;
  /** Negative: requests already booked for later slots. */
  private tokens = 1;
  private refilledAt: number | undefined;
  /** Send times booked, the last `limit` of them, for the per-window cap. */
  private readonly booked: number[] = [];
  private lastCut = 0;
  private readonly recent: number[] = [];

  /**
   * `limit` per `windowMs` is the pace; `capMs`, a little wider than the server's window, is the one
   * no more than `limit` requests may ever share, so latency jitter never pushes one into its window.
   */
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly capMs: number,
  ) {
    this.rate = limit;
    this.ceiling = limit;
  }

  /** Books the next free slot and returns how long to wait for it (0 = go now). */
  reserve(now: number): number {
    this.recent.push(now);
    while ((this.recent[0] as number) <= now - this.windowMs) this.recent.shift();
    if (this.rate <= 0) return 0;
    const perMs = this.rate / this.windowMs;
    const capacity = Math.max(1, this.rate / 60);
    this.tokens = Math.min(capacity, this.tokens + (now - (this.refilledAt ?? now)) * perMs);
    this.refilledAt = now;
    let at = this.tokens >= 1 ? now : now + (1 - this.tokens) / perMs;
    this.tokens -= 1;
    if (this.limit > 0) {
      const oldest = this.booked.length >= this.limit ? this.booked[this.booked.length - this.limit] : undefined;
      if (oldest !== undefined) at = Math.max(at, oldest + this.capMs);
      this.booked.push(at);
      if (this.booked.length > this.limit) this.booked.shift();
    }
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
    this.tokens = Math.min(this.tokens, 0);
  }

  speedUp(): void {
    if (this.rate > 0 && this.rate < this.ceiling) this.rate = Math.min(this.ceiling, this.rate + this.ceiling / RECOVERY_STEPS);
  }
}
