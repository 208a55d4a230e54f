// The pacer with a hand-driven clock: even spacing, a burst of at most a second's worth after idling,
// never more than the limit in any capped window, halving on a 429 and climbing back.
import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/io/pacer.js';

/** Books n requests at `now`; returns the send times. */
const book = (p: Pacer, now: number, n: number) => Array.from({ length: n }, () => now + p.reserve(now));

describe('Pacer', () => {
  it('spreads requests asked for at once evenly', () => {
    expect(book(new Pacer(60, 60_000, 60_600), 0, 4)).toEqual([0, 1000, 2000, 3000]);
  });

  it('after idling lets at most one second of requests through at once', () => {
    const p = new Pacer(600, 60_000, 60_600);
    book(p, 0, 1);
    const times = book(p, 30_000, 12);
    expect(times.filter((t) => t === 30_000)).toHaveLength(10);
    expect(times.slice(10)).toEqual([30_100, 30_200]);
  });

  it('never books more than the limit within the capped window', () => {
    const p = new Pacer(10, 60_000, 60_600);
    const times: number[] = [];
    for (let now = 0; now < 200_000; now += 1_000) times.push(...book(p, now, 1));
    for (let i = 10; i < times.length; i++) expect((times[i] as number) - (times[i - 10] as number)).toBeGreaterThanOrEqual(60_600);
  });

  it('halves once per burst of 429s and climbs back with successes', () => {
    const p = new Pacer(60, 60_000, 60_600);
    book(p, 0, 1);
    p.slowDown(0, 10);
    p.slowDown(0, 11); // a second worker's 429 from the same burst
    const [a, b] = book(p, 20_000, 2);
    expect((b as number) - (a as number)).toBe(2000);
    for (let i = 0; i < 50; i++) p.speedUp();
    const [c, d] = book(p, 100_000, 3).slice(1);
    expect((d as number) - (c as number)).toBe(1000);
  });

  it('an unpaced client starts pacing at half of what it really sent when told 429', () => {
    const p = new Pacer(0, 60_000, 60_600);
    expect(book(p, 0, 20)).toEqual(Array(20).fill(0));
    p.slowDown(0, 500);
    // 20 in (at least) a second is 1200 a minute; half is 600: one per 100 ms.
    const [a, b] = book(p, 1000, 2);
    expect((b as number) - (a as number)).toBe(100);
  });
});
