// Exit codes, decided here and nowhere else: a command handler returns one of EXIT, or throws; an error
// becomes its kind, its message (redacted, no control characters) and its code. README "Exit codes".
import { ApiError, CancelledError, InvalidFilesError, cleanText, UsageError, UserError } from '../errors.js';
import { InterruptedError } from '../io/lock.js';
import type { Failure } from '../render/json.js';
import type { DoctorReport, DoctorResult } from '../core/doctor.js';

export const EXIT = {
  /** Done; for plan --detailed-exitcode, no changes. */
  ok: 0,
  /** Invalid files, a failed request or change, a refusal, bad usage, a cancelled confirmation. */
  error: 1,
  /** plan --detailed-exitcode only: changes are pending. */
  changes: 2,
  /** doctor only: Open.cx differs from the strict reading, and the tool copes. */
  doctorDiffers: 3,
  /** doctor only: something Open.cx does would break the tool. */
  doctorBreaks: 4,
  /** Stopped by Ctrl-C (or SIGTERM): what was in flight finished and was recorded. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What stopped a command, for the error document and the exit status. `secret`: the API key, hidden everywhere. */
export function failureOf(err: unknown, secret: string | undefined): Failure {
  const clean = (text: string) => cleanText(text, secret);
  if (err instanceof InvalidFilesError) return { kind: 'invalid_files', message: clean(err.message), exitCode: EXIT.error, issues: err.issues };
  if (err instanceof UsageError) return { kind: 'usage', message: clean(err.message), exitCode: EXIT.error };
  if (err instanceof InterruptedError) return { kind: 'interrupted', message: clean(err.message), exitCode: EXIT.interrupted };
  if (err instanceof CancelledError) return { kind: 'cancelled', message: clean(err.message), exitCode: EXIT.error };
  if (err instanceof UserError) return { kind: 'user', message: clean(err.message), exitCode: EXIT.error };
  if (err instanceof ApiError) return { kind: 'api', message: clean(err.message), exitCode: EXIT.error };
  return { kind: 'internal', message: clean(String((err as Error)?.message ?? err)), exitCode: EXIT.error };
}

const DOCTOR_EXIT = { holds: EXIT.ok, error: EXIT.error, differs: EXIT.doctorDiffers, breaks: EXIT.doctorBreaks, interrupted: EXIT.interrupted } as const satisfies Record<DoctorResult, ExitCode>;

/** doctor's result as its exit code; a probe that could not be removed is an error whatever the checks said: the user must act. */
export function exitCodeOf(report: Pick<DoctorReport, 'result' | 'probe'>): ExitCode {
  if (!report.probe.removed && report.result !== 'interrupted') return EXIT.error;
  return DOCTOR_EXIT[report.result];
}

/** plan --detailed-exitcode: a refusal is an error, pending changes are 2. */
export function planExitCode(detailed: boolean, refusals: number, changes: number): ExitCode {
  if (!detailed) return EXIT.ok;
  return refusals ? EXIT.error : changes ? EXIT.changes : EXIT.ok;
}
