import {
  CredentialsRefusedError,
  type CredentialsRequest,
  type StepCredentials,
  type StepCredentialsLease,
} from '../runner/step-credentials.js';
import type { CredentialsEndpoint } from './credentials-endpoint.js';
import { CREDENTIALS_NETWORK } from './credentials-network.js';
import { type RoleAssumer, RoleSession } from './role-session.js';
import { type RunIdentity, sessionName, sessionTags } from './session-tags.js';

export interface RoleCredentialsDeps {
  endpoint: CredentialsEndpoint;
  assumer: RoleAssumer;
  run: RunIdentity;
  /** The roles a host may give (the stack's StepRoleArns); any, locally. */
  allowedRoles?: readonly string[];
  now?: () => number;
}

/**
 * One run's steps' AWS identities: each step with `aws-role` gets a session of its own of that
 * role, tagged with what the run is of, served by the endpoint under a token of its own until the
 * step ends. A fork's pull request, or a role the stack does not list, fails the step before it
 * starts.
 */
export function roleCredentials(deps: RoleCredentialsDeps): StepCredentials {
  return {
    async open(request: CredentialsRequest): Promise<StepCredentialsLease> {
      const { run, allowedRoles } = deps;
      if (run.fork)
        throw new CredentialsRefusedError(
          `step "${request.step}" is of a fork's pull request, which never gets an AWS role (aws-role ${request.roleArn})`,
        );
      if (allowedRoles && !allowedRoles.includes(request.roleArn))
        throw new CredentialsRefusedError(
          `role ${request.roleArn} is not one this stack lets steps assume: add it to the stack's StepRoleArns parameter`,
        );
      const session = new RoleSession(
        deps.assumer,
        {
          roleArn: request.roleArn,
          sessionName: sessionName(run.runId, request.step),
          tags: sessionTags(run, request.step, request.gate),
        },
        deps.now,
      );
      const mask = (c: { secretAccessKey: string; sessionToken: string }): void => {
        request.mask(c.secretAccessKey);
        request.mask(c.sessionToken);
      };
      // Assumed once now: a refusal fails the step before it starts.
      mask(await session.current());
      const granted = deps.endpoint.grant({ credentials: () => session.current(), onServed: mask });
      // The token is worthless once the step ends, but until then it is the step's credentials.
      request.mask(granted.env.AWS_CONTAINER_AUTHORIZATION_TOKEN);
      return { env: granted.env, network: CREDENTIALS_NETWORK, close: async () => granted.revoke() };
    },
  };
}
