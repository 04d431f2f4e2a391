// `horae dashboard`: the admin API and web dashboard (horae/admin) on a store, until SIGINT or SIGTERM.
import type { Command } from 'commander';
import type { ServeAdminOptions } from '../../admin/serve-admin.js';
import { CliUsageError } from '../cli-errors.js';
import { baseDirOption, examples, integerBetween } from '../options.js';
import { colors, printJson, println } from '../output.js';
import { openStore, type StoreOptions } from '../store-session.js';

interface DashboardOptions extends StoreOptions {
  port: number;
  host: string;
  user?: string;
  password?: string;
  insecure?: boolean;
  readOnly?: boolean;
  json?: boolean;
}

export function registerDashboard(program: Command): void {
  const command = baseDirOption(
    program
      .command('dashboard')
      .summary('serve the web dashboard and admin API for a store')
      .description(
        'Serve the dashboard (jobs, next runs, history, nodes; pause, resume, run now, remove) and ' +
          'the admin API for the jobs in a store, until Ctrl-C. The dashboard is a client node: it ' +
          'runs no job, and "run now" hands the run to the cluster\'s workers through the store. ' +
          'Protect it with --user and a password (--password or HORAE_DASHBOARD_PASSWORD), or ' +
          'pass --insecure for a server only you can reach.',
      )
      .option('-s, --store <url>', 'job store URL (default: $HORAE_STORE)')
      .option('-p, --port <port>', 'port to listen on (0: any free port)', integerBetween(0, 65_535), 8080)
      .option('--host <address>', 'address to listen on (0.0.0.0: every interface)', '127.0.0.1')
      .option('--user <name>', 'HTTP basic auth user name')
      .option('--password <password>', 'HTTP basic auth password (default: $HORAE_DASHBOARD_PASSWORD)')
      .option('--insecure', 'no authentication: only for a server nobody else can reach')
      .option('--read-only', 'show everything, change nothing')
      .option('--json', 'print the address as JSON ({"url": ...}) once it listens'),
  ).action((options: DashboardOptions) => dashboard(options));
  examples(command, [
    'HORAE_DASHBOARD_PASSWORD=s3cret horae dashboard --store postgres://app@db/app --user ops',
    'horae dashboard --store sqlite:///jobs.sqlite --port 8080 --insecure',
  ]);
}

async function dashboard(options: DashboardOptions): Promise<void> {
  const security = securityOf(options);
  const { serveAdmin } = await import('../../admin/serve-admin.js');
  const scheduler = await openStore(options);
  let server;
  try {
    server = await serveAdmin(scheduler, {
      ...security,
      port: options.port,
      hostname: options.host,
      readOnly: options.readOnly === true,
    });
  } catch (error) {
    await scheduler.shutdown();
    throw error;
  }
  if (options.json === true) printJson({ url: server.url, readOnly: options.readOnly === true });
  else {
    const mode = options.readOnly === true ? ' (read-only)' : '';
    println(`Dashboard at ${colors.cyan(server.url)}${mode}. Press Ctrl-C to stop.`);
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  if (options.json !== true) println(`${signal}: stopping the dashboard`);
  await server.close();
  await scheduler.shutdown();
}

function securityOf(options: DashboardOptions): Pick<ServeAdminOptions, 'basicAuth' | 'insecure'> {
  const password = options.password ?? process.env.HORAE_DASHBOARD_PASSWORD;
  if (options.insecure === true) {
    if (options.user !== undefined) {
      throw new CliUsageError('Give --user or --insecure, not both', { field: 'insecure' });
    }
    return { insecure: true };
  }
  if (options.user === undefined || password === undefined || password === '') {
    throw new CliUsageError(
      'The dashboard changes jobs, so it needs a login: pass --user and a password (--password or ' +
        'HORAE_DASHBOARD_PASSWORD), or --insecure for a server only you can reach',
      { field: 'user' },
    );
  }
  return { basicAuth: { username: options.user, password } };
}
