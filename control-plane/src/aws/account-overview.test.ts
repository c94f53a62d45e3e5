import { describe, expect, it } from 'vitest';
import { updateOf } from './account-overview.js';

describe('a stack behind the newest agent', () => {
  it('links to the console update page and gives the command that keeps every other value', () => {
    const stackId = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/dockercise/1f2e';
    const update = updateOf('eu-west-1', stackId, ['ExternalId', 'AgentVersion', 'InstanceType'], {
      version: '0.2.0',
      tarballUrl: 'https://ci.example.com/agent/dockercise-agent-0.2.0.tgz',
      tarballSha256: 'b'.repeat(64),
      templateUrl: 'https://templates.s3.amazonaws.com/v2/dockercise.yaml',
    });
    expect(update.updateUrl).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/update/template?' +
        `stackId=${encodeURIComponent(stackId)}&templateURL=${encodeURIComponent('https://templates.s3.amazonaws.com/v2/dockercise.yaml')}`,
    );
    // The console keeps every previous value, so the page shows what to set beside the link.
    expect(update.updateParameters).toEqual({
      AgentVersion: '0.2.0',
      AgentTarballUrl: 'https://ci.example.com/agent/dockercise-agent-0.2.0.tgz',
      AgentTarballSha256: 'b'.repeat(64),
    });
    expect(update.updateCommand).toBe(
      'aws cloudformation update-stack --region eu-west-1 --stack-name dockercise ' +
        '--template-url https://templates.s3.amazonaws.com/v2/dockercise.yaml --capabilities CAPABILITY_NAMED_IAM ' +
        '--parameters ParameterKey=AgentVersion,ParameterValue=0.2.0 ' +
        'ParameterKey=AgentTarballUrl,ParameterValue=https://ci.example.com/agent/dockercise-agent-0.2.0.tgz ' +
        `ParameterKey=AgentTarballSha256,ParameterValue=${'b'.repeat(64)} ` +
        'ParameterKey=ExternalId,UsePreviousValue=true ParameterKey=InstanceType,UsePreviousValue=true',
    );
  });
});
