// The `horae` command line: its commands, and how a failure becomes one line and an exit code.
import { Command, CommanderError } from 'commander';
import { EXIT_USAGE, errorLine, exitCodeOf, CommandFailed } from './cli-errors.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDoctor } from './commands/doctor.js';
import { registerJob } from './commands/job.js';
import { registerJobs } from './commands/jobs.js';
import { registerNext } from './commands/next.js';
import { registerNodes } from './commands/nodes.js';
import { registerRun } from './commands/run.js';
import { registerRuns } from './commands/runs.js';
import { examples } from './options.js';
import { colors } from './output.js';

/** The program with every command; `version` is the package's. */
export function buildProgram(version: string): Command {
  const program = new Command('horae')
    .description('Run Horae schedulers and manage the jobs in their stores.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .addHelpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      // `horae: unknown option '--x'`, as every other error reads, on one line with its suggestion.
      outputError: (text, write) =>
        write(
          colors.red(
            text.replace(/^error: /, 'horae: ').replace(/\n\(Did you mean (.+)\?\)/, '; did you mean $1?'),
          ),
        ),
    });
  registerRun(program);
  registerJobs(program);
  registerJob(program);
  registerRuns(program);
  registerNodes(program);
  registerNext(program);
  registerDashboard(program);
  registerDoctor(program);
  examples(program, [
    "horae next '0 9 * * mon-fri' --tz Asia/Shanghai",
    'export HORAE_STORE=sqlite:///var/lib/horae/jobs.sqlite',
    'horae jobs',
    'horae job show nightly-report',
    'horae nodes',
    'horae run ./scheduler.config.js',
  ]);
  program.addHelpText(
    'after',
    'Store URLs: sqlite:///path/jobs.sqlite, postgres://user@host/db, mysql://user@host/db,\n' +
      '  redis://host:6379, redis+cluster://host:7000/?nodes=..., zookeeper://host:2181/path,\n' +
      '  etcd://host:2379/prefix. Give one with --store or HORAE_STORE.\n' +
      'Exit codes: 0 done, 1 failed (store unreachable, unknown job, failed run), 2 bad input.\n',
  );
  return program;
}

/**
 * Runs the command line `argv` (as `process.argv`) and resolves to the exit code. Errors are
 * printed as one line on stderr, never with a stack trace.
 */
export async function runCli(argv: string[], version: string): Promise<number> {
  const program = buildProgram(version);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message (or the help, or the version) already. Anything but
      // asked-for help is a usage error: `horae` or `horae job` alone prints the help and exits 2.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (!(error instanceof CommandFailed))
      process.stderr.write(`${colors.red(`horae: ${errorLine(error)}`)}\n`);
    return exitCodeOf(error);
  }
}
