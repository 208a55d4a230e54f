// How a long wait is told to someone reading a log, where no progress bar moves.

export interface WaitNotice {
  ms: number;
  reason: 'rate limit' | 'retry';
  /** Changes applied so far, and of how many; total is unknown before applying starts (listing). */
  done: number;
  total: number | undefined;
}

/** "waiting 57 s for the rate limit: 120/300 done" */
export function describeWait(w: WaitNotice): string {
  const what = w.reason === 'rate limit' ? 'for the rate limit' : 'to retry';
  return `waiting ${Math.ceil(w.ms / 1000)} s ${what}${w.total === undefined ? '' : `: ${w.done}/${w.total} done`}`;
}
