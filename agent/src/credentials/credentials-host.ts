import type { Logger } from '@dockercise/shared';
import type { ContainerEngine } from '../engine/engine.js';
import { CredentialsRefusedError, type StepCredentials } from '../runner/step-credentials.js';
import { CredentialsEndpoint } from './credentials-endpoint.js';
import { CREDENTIALS_ADDRESS, ensureCredentialsNetwork } from './credentials-network.js';
import { roleCredentials } from './role-credentials.js';
import type { RoleAssumer } from './role-session.js';
import type { RunIdentity } from './session-tags.js';

/**
 * The credentials of every run on one engine, for the agent, the CLI and the local server alike:
 * the credentials network and the endpoint at its gateway, started when a step first asks (a
 * pipeline without `aws-role` costs nothing), and one `StepCredentials` per run.
 */
export class CredentialsHost {
  private endpoint: Promise<CredentialsEndpoint> | undefined;

  constructor(
    private readonly engine: ContainerEngine,
    private readonly assumer: RoleAssumer,
    private readonly logger: Logger,
    /** The roles steps may have (a host's StepRoleArns); any, when not given. */
    private readonly allowedRoles?: readonly string[],
  ) {}

  forRun(run: RunIdentity): StepCredentials {
    return {
      open: async (request) =>
        roleCredentials({
          endpoint: await this.started(),
          assumer: this.assumer,
          run,
          ...(this.allowedRoles ? { allowedRoles: this.allowedRoles } : {}),
        }).open(request),
    };
  }

  async close(): Promise<void> {
    const endpoint = await this.endpoint?.catch(() => undefined);
    await endpoint?.close();
  }

  private started(): Promise<CredentialsEndpoint> {
    this.endpoint ??= (async () => {
      await ensureCredentialsNetwork(this.engine);
      try {
        return await CredentialsEndpoint.listen(CREDENTIALS_ADDRESS, this.logger);
      } catch (error) {
        // The network's gateway is an address of the machine the engine runs on: not this one
        // when Docker runs in a VM (Docker Desktop) or elsewhere.
        throw new CredentialsRefusedError(
          `cannot serve AWS credentials to steps: ${CREDENTIALS_ADDRESS}, the credentials network's gateway, is not an address of this machine (${(error as Error).message}); aws-role needs the Docker engine on this machine`,
        );
      }
    })();
    this.endpoint.catch(() => {
      this.endpoint = undefined;
    });
    return this.endpoint;
  }
}
