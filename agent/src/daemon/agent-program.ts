import { Command, Option } from 'commander';
import { LOG_LEVELS } from '../logs/log-levels.js';
import { agentVersion } from './agent-version.js';
import { type RawSettings, SETTINGS, type SettingName } from './settings.js';

export { LOG_LEVELS, type LogFormat } from '../logs/log-levels.js';

/** Exit code of a command line that is wrong: EX_USAGE of sysexits.h. */
const EXIT_USAGE = 64;

/**
 * The daemon's command line, defined once: a host runs it as `dockercise-agent` (the tarball ships
 * nothing else), a developer as `dockercise agent`. `onExit` receives the process exit code.
 */
export function createAgentCommand(name: string, onExit: (code: number) => void): Command {
  const command = new Command(name)
    .description("run the agent daemon: take jobs from the customer's queue and run them")
    .option('--config <file>', 'settings file of KEY=value lines', '/etc/dockercise/agent.env')
    .addOption(new Option('--log-level <level>', 'JSON lines on stderr').choices(LOG_LEVELS).default('info'));
  for (const setting of Object.values(SETTINGS)) {
    // The default is told, not set: a value here would override the environment and the file.
    const fallback = 'default' in setting ? `, default ${setting.default}` : '';
    command.option(`${setting.flag} <value>`, `${setting.what} (${setting.env}${fallback})`);
  }
  return command.action(async (options: Record<string, string>) => {
    const flags: RawSettings = {};
    for (const settingName of Object.keys(SETTINGS) as SettingName[]) {
      const value = options[settingName];
      if (value !== undefined) flags[settingName] = value;
    }
    // Loaded only when the daemon runs: the AWS SDK is most of a `dockercise` start otherwise.
    const { agentCommand } = await import('./agent-command.js');
    onExit(await agentCommand({ config: options.config, logLevel: options.logLevel ?? 'info', flags }));
  });
}

/** `dockercise-agent`: the program a host's systemd unit starts. Resolves with the exit code. */
export async function agentMain(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = createAgentCommand('dockercise-agent', (code) => {
    exitCode = code;
  })
    .version(agentVersion())
    .showHelpAfterError()
    .exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const { exitCode: code, code: kind } = error as { exitCode?: number; code?: string };
    if (typeof code === 'number') return code === 0 || !kind?.startsWith('commander.') ? code : EXIT_USAGE;
    throw error;
  }
  return exitCode;
}
