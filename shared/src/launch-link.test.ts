import { describe, expect, it } from 'vitest';
import { launchStackUrl } from './launch-link.js';

describe('launchStackUrl', () => {
  it("builds the console's quick-create link with every given parameter, encoded", () => {
    const url = launchStackUrl({
      region: 'eu-west-2',
      templateUrl: 'https://dockercise-templates.s3.amazonaws.com/v1/dockercise.yaml',
      stackName: 'dockercise',
      parameters: {
        ControlPlaneRoleArn: 'arn:aws:iam::111122223333:role/cp',
        ExternalId: 'ab+c/=d',
        JobSigningPublicKey: 'k'.repeat(43),
        AgentTarballUrl: 'https://cp.example/agent/dockercise-agent-0.1.0.tgz',
        AgentTarballSha256: 'f'.repeat(64),
        IdleStopMinutes: 10,
      },
    });
    expect(url).toBe(
      'https://eu-west-2.console.aws.amazon.com/cloudformation/home?region=eu-west-2#/stacks/create/review' +
        '?templateURL=https%3A%2F%2Fdockercise-templates.s3.amazonaws.com%2Fv1%2Fdockercise.yaml&stackName=dockercise' +
        `&param_ControlPlaneRoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fcp&param_ExternalId=ab%2Bc%2F%3Dd&param_JobSigningPublicKey=${'k'.repeat(43)}` +
        `&param_AgentTarballUrl=https%3A%2F%2Fcp.example%2Fagent%2Fdockercise-agent-0.1.0.tgz&param_AgentTarballSha256=${'f'.repeat(64)}&param_IdleStopMinutes=10`,
    );
  });

  it('refuses a region or stack name that would make a broken link', () => {
    const base = {
      templateUrl: 'https://x',
      parameters: {
        ControlPlaneRoleArn: 'r',
        ExternalId: 'e',
        JobSigningPublicKey: 'k',
        AgentTarballUrl: 'u',
        AgentTarballSha256: 's',
      },
    };
    expect(() => launchStackUrl({ ...base, region: 'evil.com/#', stackName: 's' })).toThrow(
      'not an AWS region: evil.com/#',
    );
    expect(() => launchStackUrl({ ...base, region: 'us-east-1', stackName: '1 bad' })).toThrow(
      'not a valid stack name: 1 bad',
    );
  });
});
