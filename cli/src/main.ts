import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAgentCommand, LOG_LEVELS } from '@dockercise/agent/program';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_DATA_DIR,
  EXIT_USAGE,
  type LogOptions,
  type RunCliOptions,
  type ServerCliOptions,
  type TriggerCliOptions,
} from './options.js';

// Each command's module is imported when it runs, never up front: `--version` and `validate` must
// not pay for Docker's client, the AWS SDK or the control plane (see "Start-up" in the README).

/** The `dockercise` program; resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const logOptions = (): LogOptions => program.opts<LogOptions>();
  const program = new Command()
    .name('dockercise')
    .description('CI where every step is a Docker container')
    .version(cliVersion())
    .addOption(
      new Option('--log-level <level>', "dockercise's own diagnostics on stderr")
        .choices(LOG_LEVELS)
        .default('warn'),
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'diagnostics as sentences (text) or JSON lines (json); the agent daemon always writes JSON',
      )
        .choices(['text', 'json'])
        .default('text'),
    )
    .showHelpAfterError()
    .exitOverride();

  program
    .command('validate')
    .description('check the pipeline under a folder and show its steps')
    .argument('[dir]', 'folder holding *.dockercise.yaml files', '.')
    .addOption(
      new Option('--format <format>', 'how to print a valid pipeline')
        .choices(['text', 'json', 'dot'])
        .default('text'),
    )
    .action(async (dir: string, options: { format: 'text' | 'json' | 'dot' }) => {
      const { validateCommand } = await import('./validate-command.js');
      exitCode = await validateCommand(dir, options.format);
    });

  program
    .command('run')
    .description('run the pipeline under a folder on the local Docker engine')
    .argument('[dir]', 'folder holding *.dockercise.yaml files', '.')
    .option('--step <name...>', 'run only these steps and what they need')
    .option('--approve', 'pass every human-click gate; --approve=<gate>[,<gate>…] passes the named ones')
    .addOption(new Option('--approve-gates <gates>').hideHelp().argParser(collectNames))
    .option('--concurrency <n>', 'steps running at once', positiveInt, 4)
    .addOption(
      new Option('--pull <policy>', 'when to pull images')
        .choices(['if-not-present', 'always'])
        .default('if-not-present'),
    )
    .option('--memory <size>', 'memory limit per step, e.g. 512m')
    .option('--cpus <n>', 'CPU limit per step, e.g. 1.5', positiveNumber)
    .option('--output-limit <bytes>', 'largest stdout a step may produce', positiveInt, 1024 * 1024)
    .option(
      '--own-network',
      "give the run a network of its own, apart from the engine's other containers (as the agent does)",
    )
    .option('--resume <run-id>', 'go on with an earlier run: keep what succeeded, run what did not')
    .option('--commit <ref>', 'run a commit (its pipeline and its files) instead of the working tree')
    .option(
      '--aws-profile <name>',
      "the AWS profile whose credentials assume steps' aws-role (default: the SDK's chain)",
    )
    .option('--branch <name>', "the branch `when` filters see (default: the folder's git branch)")
    .addOption(
      new Option('--event <event>', 'the event `when` filters see')
        .choices(['push', 'pull_request', 'manual'])
        .default('manual'),
    )
    .option(
      '--changed <paths...>',
      'the changed files `when` paths filters see (default: paths filters match)',
    )
    .action(async (dir: string, options: RunCliOptions) => {
      const { runCommand } = await import('./run-command.js');
      exitCode = await runCommand(dir, { ...options, ...logOptions() });
    });

  program.addCommand(
    createAgentCommand('agent', (code) => {
      exitCode = code;
    }),
  );

  program
    .command('server')
    .description('serve the control plane and results viewer on this machine, with an in-process agent')
    .option(
      '--local',
      'local mode: no AWS, no GitHub; runs local git repositories on the local Docker engine',
    )
    .option('--port <n>', 'port on 127.0.0.1', nonNegativeInt, 8080)
    .option('--data <dir>', 'where runs, results and the store live (default ~/.dockercise/local)')
    .option('--ui-dir <dir>', "the results viewer's build (default: the monorepo's ui/dist)")
    .action(async (options: Omit<ServerCliOptions, keyof LogOptions>) => {
      const { serverCommand } = await import('./server-command.js');
      exitCode = await serverCommand({ ...options, ...logOptions() });
    });

  program
    .command('trigger')
    .description('run the git repository holding a folder, at its HEAD, on a local server')
    .argument('[dir]', 'a folder in the repository', '.')
    .option('--server <url>', 'the local server', process.env.DOCKERCISE_SERVER ?? 'http://127.0.0.1:8080')
    .option(
      '--token-file <file>',
      "the local server's token (its --data folder's token file)",
      join(DEFAULT_DATA_DIR, 'token'),
    )
    .option('--wait', 'follow the run to its end; exit 0 when it succeeds, 2 at a gate, 1 otherwise')
    .action(async (dir: string, options: TriggerCliOptions) => {
      const { triggerCommand } = await import('./trigger-command.js');
      exitCode = await triggerCommand(dir, options);
    });

  try {
    await program.parseAsync(withApproveValues(argv));
  } catch (error) {
    const { exitCode: code, code: kind } = error as { exitCode?: number; code?: string };
    // Commander already printed help, the version, or the usage error.
    if (typeof code === 'number') return code === 0 || !kind?.startsWith('commander.') ? code : EXIT_USAGE;
    throw error;
  }
  return exitCode;
}

/**
 * `--approve` alone passes every gate; gate names come only after `=`, so `run --approve deploy/`
 * can never take the folder for a gate. The names travel in a hidden option.
 */
export function withApproveValues(argv: readonly string[]): string[] {
  return argv.map((arg) => (arg.startsWith('--approve=') ? `--approve-gates=${arg.slice(10)}` : arg));
}

function collectNames(value: string, previous: string[] | undefined): string[] {
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('name at least one gate, e.g. --approve=deploy');
  return [...(previous ?? []), ...names];
}

/** From the CLI's package.json: one folder above this file in src/ and dist/, two above the bundle. */
function cliVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === '@dockercise/cli' && pkg.version) return pkg.version;
    } catch {
      // not this one
    }
  }
  return 'unknown';
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a whole number above zero');
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number above zero');
  return n;
}
