// `opencx-sync doctor`: checks the real Open.cx API against what the tool assumes where the docs are
// silent, with one temporary draft probe that is always deleted, and writes a report for bug reports.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { UserError } from '../errors.js';
import type { ProbePhase } from '../io/doctor-probe.js';
import type { DoctorDocument } from '../render/json.js';
import { EXIT, exitCodeOf, type ExitCode } from './exit.js';
import { configFrom, withApi, withCommon, type ApiArgs, type CommonArgs } from './options.js';
import { createTerm, hooksFor, type Term } from './term.js';

interface Args extends CommonArgs, ApiArgs {
  out: string;
  json: boolean;
}

export const DEFAULT_DOCTOR_REPORT = 'opencx-doctor.json';
const STDOUT = /^\/(dev|proc\/self)\/(stdout|fd\/1)$/;

export const doctorCommand = {
  command: 'doctor',
  describe: 'Check this Open.cx against what the tool assumes where the API docs are silent (makes and deletes one draft probe)',
  builder: (y: Argv) =>
    // No --dir: doctor reads no training files, only the config file (for the API URL and rate limit).
    withApi(withCommon(y).hide('dir'))
      .option('out', { type: 'string', default: DEFAULT_DOCTOR_REPORT, describe: 'Write the JSON report here (attach it to a bug report; it never holds the key)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the JSON report instead of the table' }),
  handler: async (args: Args): Promise<ExitCode> => {
    const { runDoctor, shownUrl } = await import('../doctor.js');
    const { renderDoctorReport } = await import('../core/doctor.js');
    const term = createTerm(args.verbose);
    const config = await configFrom(args);
    const out = path.resolve(args.out);
    // A report with nowhere to go is found out before the probe is made, not after every check ran.
    const folder = await stat(path.dirname(out)).catch(() => undefined);
    if (!folder?.isDirectory()) throw new UserError(`--out ${JSON.stringify(args.out)}: folder ${path.dirname(out)} not found: create it, or write the report elsewhere. Nothing was sent.`);
    if ((await stat(out).catch(() => undefined))?.isDirectory()) throw new UserError(`--out ${JSON.stringify(args.out)} is a folder: name a file in it, e.g. ${JSON.stringify(path.join(args.out, DEFAULT_DOCTOR_REPORT))}. Nothing was sent.`);
    // First Ctrl-C: finish the request in flight, start nothing new, delete the probe, write the report.
    // Second: stop at once; the next doctor run finds the probe by its tag and deletes it.
    const stop = new AbortController();
    // What each Ctrl-C says depends on whether a probe exists: there is none before its create is sent.
    let phase: ProbePhase = 'none';
    const onSignal = () => {
      if (stop.signal.aborted) {
        term.err(phase === 'made' ? 'Stopped. A probe may be left in Open.cx: the next "opencx-sync doctor" removes it.' : 'Stopped. No probe is left in Open.cx.');
        process.exit(EXIT.interrupted);
      }
      stop.abort();
      term.err({
        none: 'Stopping: no probe was made yet, so there is nothing to delete; press Ctrl-C again to stop at once.',
        made: 'Stopping: deleting the probe first; press Ctrl-C again to stop at once.',
        removed: 'Stopping: the probe is already deleted; writing the report.',
      }[phase]);
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    if (!args.json) term.err(`Checking ${shownUrl(config.apiUrl)} with a temporary draft training (deleted at the end)...`);
    const report = await runDoctor(config, { signal: stop.signal, onProbe: (p) => (phase = p), ...(term.verbose ? { onStep: (id) => term.err(`check: ${id}`) } : {}) }, hooksFor(term));
    const doc: DoctorDocument = report;
    const text = JSON.stringify(doc, null, 2) + '\n';
    const probe = report.probe.removed ? (report.probe.id === null ? 'no probe was left' : 'the probe was deleted') : `the probe ${report.probe.id ?? ''} may be left in Open.cx`.replace('  ', ' ');
    const save = () => writeReport(args.out, text, `the checks ran (${report.result}), ${probe}`, term);
    // --json: stdout holds one document, the report or (when it cannot be written) the error document.
    if (args.json) {
      // --out /dev/stdout: the one document is the one printed.
      if (!STDOUT.test(path.resolve(args.out))) await save();
      term.out(text);
      return exitCodeOf(report);
    }
    // Shown first: a report file that cannot be written still leaves the table on the screen.
    term.out(renderDoctorReport(report, { c: term.c, width: Math.min(140, process.stdout.columns || 110) }));
    await save();
    term.out(`Report written to ${args.out}.`);
    return exitCodeOf(report);
  },
};

/**
 * The report file, named as the user gave it in any error. /dev/stdout and /dev/stderr are written
 * through the process's own streams; another device or a pipe is appended to: replacing it by rename,
 * as the durable writer does, would put a file in its place.
 */
async function writeReport(out: string, text: string, outcome: string, term: Term): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  const { writeFileDurably } = await import('../io/durable-write.js');
  const { fileError } = await import('../io/file-error.js');
  const file = path.resolve(out);
  // Through the stream already open, so it lands after what was printed, at the same offset.
  if (STDOUT.test(file)) return term.out(text);
  if (/^\/(dev|proc\/self)\/(stderr|fd\/2)$/.test(file)) return term.err(text);
  try {
    const st = await stat(file).catch(() => undefined);
    const stream = /^\/(dev|proc)\//.test(file) || (st !== undefined && !st.isFile() && !st.isDirectory());
    if (st && stream) await writeFile(file, text, { flag: 'a' });
    else await writeFileDurably(file, text);
  } catch (err) {
    const e = fileError('write', 'doctor report', out, err, '--out');
    e.message += `; ${outcome}`;
    throw e;
  }
}
