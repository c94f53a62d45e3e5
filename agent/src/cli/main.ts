import { createRequire } from 'node:module';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type RawSettings, SETTINGS, type SettingName } from '../daemon/config.js';
import { agentCommand } from './agent-command.js';
import { LOG_LEVELS } from './logger.js';
import { runCommand } from './run-command.js';
import { type ServerCliOptions, serverCommand } from './server-command.js';
import { type TriggerCliOptions, triggerCommand } from './trigger-command.js';
import { validateCommand } from './validate-command.js';

/** The `dockercise` program; resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('dockercise')
    .description('CI where every step is a Docker container')
    .version(agentVersion())
    .addOption(
      new Option('--log-level <level>', "dockercise's own diagnostics on stderr")
        .choices(LOG_LEVELS)
        .default('warn'),
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
      exitCode = await validateCommand(dir, options.format);
    });

  program
    .command('run')
    .description('run the pipeline under a folder on the local Docker engine')
    .argument('[dir]', 'folder holding *.dockercise.yaml files', '.')
    .option('--step <name...>', 'run only these steps and what they need')
    .option('--approve [gates...]', 'pass human-click gates (all, or the named ones)')
    .option('--concurrency <n>', 'steps running at once', positiveInt, 4)
    .addOption(
      new Option('--pull <policy>', 'when to pull images')
        .choices(['if-not-present', 'always'])
        .default('if-not-present'),
    )
    .option('--memory <size>', 'memory limit per step, e.g. 512m')
    .option('--cpus <n>', 'CPU limit per step, e.g. 1.5', positiveNumber)
    .option('--output-limit <bytes>', 'largest stdout a step may produce', positiveInt, 1024 * 1024)
    .action(async (dir: string, options: RunCliOptions) => {
      exitCode = await runCommand(dir, {
        ...options,
        logLevel: program.opts<{ logLevel: string }>().logLevel,
      });
    });

  const agent = program
    .command('agent')
    .description("run the agent daemon: take jobs from the customer's queue and run them")
    .option('--config <file>', 'settings file of KEY=value lines', '/etc/dockercise/agent.env');
  for (const setting of Object.values(SETTINGS))
    agent.option(`${setting.flag} <value>`, `${setting.what} (${setting.env})`);
  agent.action(async (options: Record<string, string>) => {
    const flags: RawSettings = {};
    for (const name of Object.keys(SETTINGS) as SettingName[]) {
      const value = options[name];
      if (value !== undefined) flags[name] = value;
    }
    exitCode = await agentCommand({
      config: options.config,
      logLevel: program.opts<{ logLevel: string }>().logLevel,
      flags,
    });
  });

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
    .action(async (options: Omit<ServerCliOptions, 'logLevel'>) => {
      exitCode = await serverCommand({ ...options, logLevel: program.opts<{ logLevel: string }>().logLevel });
    });

  program
    .command('trigger')
    .description('run the git repository holding a folder, at its HEAD, on a local server')
    .argument('[dir]', 'a folder in the repository', '.')
    .option('--server <url>', 'the local server', process.env.DOCKERCISE_SERVER ?? 'http://127.0.0.1:8080')
    .option('--wait', 'follow the run to its end; exit 0 when it succeeds, 2 at a gate, 1 otherwise')
    .action(async (dir: string, options: TriggerCliOptions) => {
      exitCode = await triggerCommand(dir, options);
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    if (typeof code === 'number') return code; // commander already printed help or the usage error
    throw error;
  }
  return exitCode;
}

/** From the agent's package.json, which sits two folders above this file in src/ and dist/ alike. */
function agentVersion(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

export interface RunCliOptions {
  step?: string[];
  approve?: boolean | string[];
  concurrency: number;
  pull: 'if-not-present' | 'always';
  memory?: string;
  cpus?: number;
  outputLimit: number;
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
