import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STACK_PARAMETER_NAMES } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import { renderer } from './iam/sample-stack.js';
import {
  asList,
  bootScript,
  loadTemplate,
  namesStackResource,
  referencesTo,
  type Statement,
  TEMPLATE_PATH,
  userData,
} from './template.js';

const template = loadTemplate();
const HOST_DIR = fileURLToPath(new URL('../../agent/host/', import.meta.url));
const logicalIds = new Set(Object.keys(template.Resources));
const CFN_LINT = fileURLToPath(new URL('../../.venv/bin/cfn-lint', import.meta.url));
const resource = (id: string) => {
  const found = template.Resources[id];
  if (!found) throw new Error(`no ${id} in the template`);
  return found;
};

/** Every statement of every policy the template grants: the roles' inline ones and the IAM::Policy resources. */
function policyStatements(id: string): Statement[] {
  const r = resource(id);
  if (r.Type === 'AWS::IAM::Policy')
    return (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
  const policies = (r.Properties.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

const grants = Object.entries(template.Resources)
  .filter(([, r]) => r.Type === 'AWS::IAM::Role' || r.Type === 'AWS::IAM::Policy')
  .map(([id]) => id);

/** Shellcheck's verdict on a script: '' when clean. */
function shellcheck(script: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'script-')), 'script.sh');
  writeFileSync(file, script);
  execFileSync('bash', ['-n', file]);
  const check = spawnSync('shellcheck', ['--shell=bash', file], { encoding: 'utf8' });
  return check.stdout + (check.status === 0 ? '' : `exit ${check.status}`);
}

describe('the customer stack template', () => {
  it('passes cfn-lint with no findings', () => {
    const lint = spawnSync(CFN_LINT, [TEMPLATE_PATH], { encoding: 'utf8' });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  });

  it('grants no wildcard action, and scopes every statement to this stack', () => {
    expect(grants.sort()).toEqual([
      'AgentHostPolicy',
      'AgentRegistryPolicy',
      'AgentRegistrySecretPolicy',
      'AgentRole',
      'AgentSessionManagerPolicy',
      'AgentStepRolesPolicy',
      'ControlPlaneRole',
    ]);
    // Steps' roles are the customer's own, not the stack's: exactly those StepRoleArns lists.
    const stepRoles = resource('AgentStepRolesPolicy');
    expect((stepRoles as { Condition?: string }).Condition).toBe('HasStepRoles');
    expect(policyStatements('AgentStepRolesPolicy')).toEqual([
      {
        Sid: 'AssumeStepRoles',
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Resource: { 'Fn::Split': [',', { Ref: 'StepRoleArns' }] },
      },
    ]);
    // Images: ECR's token is account-wide (the action has no resource type); the pull is on the
    // listed repositories, this account's in this region by default; the secret only if named.
    const [token, pull] = policyStatements('AgentRegistryPolicy') as unknown as Array<
      Record<string, unknown>
    >;
    expect(token).toEqual({
      Sid: 'EcrToken',
      Effect: 'Allow',
      Action: 'ecr:GetAuthorizationToken',
      Resource: '*',
    });
    expect(pull).toEqual({
      Sid: 'PullListedRepositories',
      Effect: 'Allow',
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: {
        'Fn::If': [
          'HasEcrRepositories',
          { 'Fn::Split': [',', { Ref: 'EcrRepositoryArns' }] },
          { 'Fn::Sub': 'arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*' },
        ],
      },
    });
    expect((resource('AgentRegistrySecretPolicy') as { Condition?: string }).Condition).toBe(
      'HasRegistrySecret',
    );
    expect(policyStatements('AgentRegistrySecretPolicy')).toEqual([
      {
        Sid: 'ReadRegistryCredentials',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: { Ref: 'RegistryCredentialsSecretArn' },
      },
    ]);
    const ownOnly = (g: string) =>
      ![
        'AgentSessionManagerPolicy',
        'AgentStepRolesPolicy',
        'AgentRegistryPolicy',
        'AgentRegistrySecretPolicy',
      ].includes(g);
    for (const id of grants.filter(ownOnly)) {
      for (const statement of policyStatements(id)) {
        const where = `${id} ${statement.Sid}`;
        for (const action of asList(statement.Action)) expect(action, where).not.toContain('*');
        const resources = asList(statement.Resource);
        expect(resources.length, where).toBeGreaterThan(0);
        for (const r of resources) {
          expect(r, where).not.toBe('*');
          expect(namesStackResource(r, logicalIds), where).toBe(true);
        }
      }
    }
    // No policy of AWS's own: AmazonSSMManagedInstanceCore would give ssm:GetParameter on every
    // parameter of the account. Session Manager gets its channels only, and only if asked for.
    expect(resource('AgentRole').Properties.ManagedPolicyArns).toBeUndefined();
    const session = resource('AgentSessionManagerPolicy');
    expect((session as { Condition?: string }).Condition).toBe('WithSessionManager');
    const [channels, register] = policyStatements('AgentSessionManagerPolicy');
    expect(asList(channels?.Action).every((a) => a.startsWith('ssmmessages:'))).toBe(true);
    expect(register?.Action).toBe('ssm:UpdateInstanceInformation');
  });

  it("names the control plane's role so it can find the stack; it sets the group's size and nothing of EC2", () => {
    expect(resource('ControlPlaneRole').Properties.RoleName).toEqual({
      'Fn::Sub': 'dockercise-control-plane-${AWS::Region}',
    });
    const statements = policyStatements('ControlPlaneRole');
    expect(statements).toContainEqual({
      Sid: 'DescribeThisStack',
      Effect: 'Allow',
      Action: 'cloudformation:DescribeStacks',
      Resource: { Ref: 'AWS::StackId' },
    });
    expect(statements.find((s) => s.Sid === 'SetHostCapacity')).toMatchObject({
      Action: 'autoscaling:SetDesiredCapacity',
      Resource: {
        'Fn::Sub':
          'arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/${HostGroup}',
      },
    });
    const actions = statements.flatMap((s) => asList(s.Action));
    expect(actions.filter((a) => a.startsWith('ec2:'))).toEqual([]);
  });

  it("trusts only the control plane's role (not its whole account), and only with the ExternalId", () => {
    const trust = (
      resource('ControlPlaneRole').Properties.AssumeRolePolicyDocument as { Statement: Statement[] }
    ).Statement;
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: { Ref: 'ControlPlaneRoleArn' } },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
      },
    ]);
    expect(template.Parameters.ExternalId).toMatchObject({ Type: 'String', NoEcho: true, MinLength: 32 });
  });

  it('lets a host hold or leave only its own group; it never stops itself through EC2', () => {
    const hold = policyStatements('AgentHostPolicy').find((s) => s.Sid === 'HoldOrLeaveTheGroup');
    expect(asList(hold?.Action).sort()).toEqual([
      'autoscaling:CompleteLifecycleAction',
      'autoscaling:ExecutePolicy',
      'autoscaling:SetInstanceProtection',
      'autoscaling:TerminateInstanceInAutoScalingGroup',
    ]);
    expect(JSON.stringify(hold?.Resource)).toContain('autoScalingGroupName/${HostGroup}');
    // An in-service instance stopped behind the group's back is unhealthy and replaced: a loop.
    const actions = [...policyStatements('AgentRole'), ...policyStatements('AgentHostPolicy')].flatMap((s) =>
      asList(s.Action),
    );
    expect(actions).not.toContain('ec2:StopInstances');
    // The group can be named by the hosts' policy without a cycle only because the policy is apart
    // from the role, and the warm pool (the first hosts) waits for it.
    expect(resource('HostWarmPool')).toMatchObject({ DependsOn: ['AgentHostPolicy', 'AgentSettings'] });
  });

  // moto skips these when it deploys the stack (see agent/test/stack.aws.test.ts), so they are held here.
  it('encrypts and locks down the bucket: no public access, TLS only, runs and host reports expire', () => {
    const bucket = resource('ResultsBucket').Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(JSON.stringify(bucket.BucketEncryption)).toContain('"SSEAlgorithm":"AES256"');
    const rules = (bucket.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
    expect(rules.find((r) => r.Prefix === 'runs/')).toMatchObject({
      Status: 'Enabled',
      ExpirationInDays: { Ref: 'ResultsRetentionDays' },
    });
    expect(rules.find((r) => r.Prefix === 'cache/')).toMatchObject({
      Status: 'Enabled',
      ExpirationInDays: 14,
    });
    expect(rules.find((r) => r.Prefix === 'hosts/')).toMatchObject({
      Status: 'Enabled',
      ExpirationInDays: 30,
    });
    const policy = resource('ResultsBucketPolicy').Properties.PolicyDocument as { Statement: Statement[] };
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('encrypts the queues, redrives after a few receives, and matches the visibility to the lease', () => {
    expect(resource('JobQueue').Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 300,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
    expect(resource('DeadLetterQueue').Properties).toMatchObject({ SqsManagedSseEnabled: true });
    expect(resource('LogGroup').Properties.RetentionInDays).toEqual({ Ref: 'LogRetentionDays' });
  });

  it('runs hosts on Amazon Linux 2023 of the chosen architecture, with IMDSv2, an encrypted disk, no inbound rules', () => {
    expect(template.Parameters.LatestAmiIdX86).toMatchObject({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    });
    expect(template.Parameters.LatestAmiIdArm64).toMatchObject({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
    });
    const data = resource('AgentLaunchTemplate').Properties.LaunchTemplateData as Record<string, unknown>;
    expect(data.ImageId).toEqual({
      'Fn::If': ['IsArm64', { Ref: 'LatestAmiIdArm64' }, { Ref: 'LatestAmiIdX86' }],
    });
    expect(data.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(JSON.stringify(data.BlockDeviceMappings)).toContain('"Encrypted":true');
    expect(data.NetworkInterfaces).toEqual([
      expect.objectContaining({ AssociatePublicIpAddress: { Ref: 'AssignPublicIp' } }),
    ]);
    expect(resource('AgentSecurityGroup').Properties.SecurityGroupIngress).toBeUndefined();
    expect(template.Parameters.Architecture).toMatchObject({
      Default: 'auto',
      AllowedValues: ['auto', 'x86_64', 'arm64'],
    });
  });

  it('picks the image by the instance family, so no x86_64 image lands on a Graviton type or the reverse', () => {
    const arch = (InstanceType: string, Architecture = 'auto') =>
      renderer(template, { InstanceType, Architecture }).condition('IsArm64') ? 'arm64' : 'x86_64';
    for (const type of [
      't4g.small',
      'm7g.large',
      'r8g.large',
      'c7gn.xlarge',
      'm7gd.large',
      'x2gd.xlarge',
      'c6gd.large',
      'm6gd.large',
      'a1.medium',
      'im4gn.large',
    ])
      expect(arch(type), type).toBe('arm64');
    // g4dn is an x86 GPU family that starts with a g; m7i-flex has a hyphen.
    for (const type of [
      't3.small',
      't3a.medium',
      'm7i.large',
      'm7i-flex.large',
      'c7a.xlarge',
      'g4dn.xlarge',
      'm5d.large',
    ])
      expect(arch(type), type).toBe('x86_64');
    // A family newer than the template's list: the parameter says it.
    expect(arch('m9g.large', 'arm64')).toBe('arm64');
    // Only T types get a credit specification: standard unless asked (unlimited bills surplus).
    const credits = (InstanceType: string) => {
      const data = resource('AgentLaunchTemplate').Properties.LaunchTemplateData as {
        CreditSpecification: unknown;
      };
      // Wrapped, so that AWS::NoValue leaves the property out as CloudFormation does.
      return (
        renderer(template, { InstanceType })({ value: data.CreditSpecification }) as { value?: unknown }
      ).value;
    };
    expect(credits('t3.small')).toEqual({ CpuCredits: 'standard' });
    expect(credits('t4g.medium')).toEqual({ CpuCredits: 'standard' });
    expect(credits('m7g.large')).toBeUndefined();
  });

  it('refuses a VPC without subnets (or the reverse) before creating anything', () => {
    const rules = template.Rules ?? {};
    expect(JSON.stringify(rules.VpcAndSubnetsTogether)).toContain('{"Ref":"VpcId"}');
    expect(JSON.stringify(rules.VpcAndSubnetsTogether)).toContain('{"Ref":"SubnetIds"}');
  });

  // moto does not model the warm pool, lifecycle hooks, scaling policies or CreationPolicy: their
  // semantics are AWS's (cited in the template), and these properties are what is checked.
  it('keeps hosts in an Auto Scaling group that idles them stopped, never sized by an update', () => {
    const group = resource('HostGroup').Properties;
    expect(group).toMatchObject({
      MinSize: '0',
      MaxSize: { Ref: 'MaxHosts' },
      NewInstancesProtectedFromScaleIn: true,
      LifecycleHookSpecificationList: [
        {
          LifecycleHookName: 'dockercise-boot',
          LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
          DefaultResult: 'CONTINUE',
        },
      ],
    });
    expect(group.DesiredCapacity).toBeUndefined();
    expect(group.LaunchTemplate).toEqual({
      LaunchTemplateId: { Ref: 'AgentLaunchTemplate' },
      Version: { 'Fn::GetAtt': ['AgentLaunchTemplate', 'LatestVersionNumber'] },
    });
    expect(resource('HostWarmPool').Properties).toEqual({
      AutoScalingGroupName: { Ref: 'HostGroup' },
      PoolState: 'Stopped',
      MinSize: 0,
      InstanceReusePolicy: { ReuseOnScaleIn: true },
    });
    expect(resource('ScaleInOne').Properties).toMatchObject({
      AdjustmentType: 'ChangeInCapacity',
      ScalingAdjustment: -1,
    });
  });

  it('completes the stack only once a host has booted, and a failed boot reports and leaves service', () => {
    expect(resource('HostBootstrapped')).toMatchObject({
      Type: 'AWS::CloudFormation::WaitCondition',
      DependsOn: 'HostWarmPool',
      CreationPolicy: { ResourceSignal: { Count: 1, Timeout: 'PT20M' } },
    });
    const boot = bootScript(template);
    expect(boot).toContain('--logical-resource-id HostBootstrapped');
    expect(boot).toContain("trap 'failed $LINENO' ERR");
    const failed = boot.slice(boot.indexOf('failed() {'), boot.indexOf("trap 'failed"));
    for (const step of [
      'report failed',
      'ship_log',
      'signal_stack FAILURE',
      'end_launch_hook',
      'dockercise-leave',
    ])
      expect(failed).toContain(step);
    // A host launched into the warm pool never starts the agent: it would be stopped mid-job. A
    // blocking start would wait for the boot unit it is ordered after (host-boot.systemd.test.ts).
    const inService = boot.slice(boot.indexOf('if [ "$target" = InService ]; then\n  end_launch_hook'));
    expect(inService.split('else')[0]).toContain('systemctl start --no-block dockercise-agent');
    expect(boot).not.toMatch(/systemctl start dockercise-agent/);
    // The stack is signalled only while it waits for the signal, and then with retries.
    const signal = boot.slice(boot.indexOf('signal_stack() {'), boot.indexOf('failed() {'));
    expect(signal).toContain('[ "$state" = CREATE_IN_PROGRESS ] || return 0');
    expect(signal).toContain('AWS_MAX_ATTEMPTS=10');
  });

  it('installs the agent only from a tarball whose sha256 matches, with Node.js 22, and nothing resolved on the host', () => {
    const boot = bootScript(template);
    const check = boot.indexOf('| sha256sum --check --strict -');
    const unpack = boot.indexOf('tar -xzf "$tarball"');
    expect(check).toBeGreaterThan(0);
    expect(unpack).toBeGreaterThan(check);
    expect(boot).toContain('set -euo pipefail');
    expect(boot).toContain('dnf install -y -q docker nodejs22');
    expect(boot).not.toMatch(/npm(-\d+)? install/);
  });

  it('reaches every host with an agent upgrade or a new signing key, and replaces none for it', () => {
    // What an upgrade changes flows only into the settings the hosts read at every boot: not the
    // launch template (no new version, no instance refresh) and not the group.
    for (const parameter of [
      'AgentVersion',
      'AgentTarballUrl',
      'AgentTarballSha256',
      'JobSigningPublicKey',
    ]) {
      expect(referencesTo(template, parameter), parameter).toEqual(
        parameter === 'AgentVersion' ? ['AgentSettings', 'Outputs.AgentVersion'] : ['AgentSettings'],
      );
    }
    // Hosts find the settings by a name, not a reference, so the launch template never depends on them.
    expect(userData(template)).toContain('DOCKERCISE_SETTINGS_PARAMETER=/dockercise/${AWS::StackName}/agent');
    expect(resource('AgentSettings').Properties.Name).toEqual({
      'Fn::Sub': '/dockercise/${AWS::StackName}/agent',
    });
    // Every output the control plane stores is a name an update keeps.
    for (const output of [
      'RoleArn',
      'QueueUrl',
      'DeadLetterQueueUrl',
      'BucketName',
      'LogGroupName',
      'HostGroupName',
    ])
      expect(JSON.stringify(template.Outputs[output]?.Value), output).not.toMatch(
        /Agent(Version|Tarball)|JobSigning/,
      );
  });

  it('gives the control plane every output it registers the account with, and the versions', () => {
    expect(Object.keys(template.Outputs).sort()).toEqual([
      'AgentVersion',
      'BucketName',
      'DeadLetterQueueUrl',
      'HostGroupName',
      'JobsPerHost',
      'LogGroupName',
      'MaxHosts',
      'QueueUrl',
      'Region',
      'RoleArn',
      'TemplateVersion',
    ]);
  });

  it("has exactly the parameters the launch link fills in (and the images', which the link leaves alone)", () => {
    expect(Object.keys(template.Parameters).sort()).toEqual(
      [...STACK_PARAMETER_NAMES, 'LatestAmiIdX86', 'LatestAmiIdArm64'].sort(),
    );
    const required = Object.entries(template.Parameters)
      .filter(([, p]) => p.Default === undefined)
      .map(([name]) => name);
    expect(required.sort()).toEqual([
      'AgentTarballSha256',
      'AgentTarballUrl',
      'ControlPlaneRoleArn',
      'ExternalId',
      'JobSigningPublicKey',
    ]);
  });

  it('has a UserData and a boot script that pass shellcheck', () => {
    const script = userData(template)
      .replace(/\$\{!([^}]+)\}/g, '$${$1}')
      .replace(/\$\{([A-Za-z0-9:]+)\}/g, (_, name: string) => `sample-${name.replace(/[^A-Za-z0-9]/g, '')}`);
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(shellcheck(script)).toBe('');
    expect(shellcheck(bootScript(template))).toBe('');
    // The paths the boot script relies on are the ones the agent's tarball really holds (agent-tarball.test.ts).
    for (const path of ['bin/dockercise-agent.js', 'host/dockercise-leave', 'host/dockercise-watchdog'])
      expect(bootScript(template)).toContain(`/opt/dockercise/current/${path}`);
    for (const script of ['dockercise-leave', 'dockercise-watchdog', 'dockercise-patch'])
      expect(shellcheck(readFileSync(join(HOST_DIR, script), 'utf8')), script).toBe('');
  });

  it('keeps the release in use when pruning, and installs a re-published tarball anew', () => {
    const boot = bootScript(template);
    // The pruning lines, run on a host rolled back to an older release.
    const prune = boot.slice(
      boot.indexOf('in_use=$('),
      boot.indexOf('xargs -r rm -rf') + 'xargs -r rm -rf'.length,
    );
    const root = mkdtempSync(join(tmpdir(), 'releases-'));
    for (const release of ['0.1.0-aaaa', '0.2.0-bbbb', '0.3.0-cccc'])
      mkdirSync(join(root, 'releases', release), { recursive: true });
    symlinkSync(join(root, 'releases', '0.1.0-aaaa'), join(root, 'current'));
    execFileSync('bash', ['-euo', 'pipefail', '-c', prune.replaceAll('/opt/dockercise', root)]);
    expect(readdirSync(join(root, 'releases')).sort()).toEqual(['0.1.0-aaaa', '0.3.0-cccc']);
    // With only the one in use, nothing is pruned and nothing fails (grep finds no other).
    execFileSync('bash', ['-euo', 'pipefail', '-c', prune.replaceAll('/opt/dockercise', root)]);
    expect(boot).toContain('release=/opt/dockercise/releases/$version-${digest:0:16}');
    expect(boot).toContain('grep -vxF "$in_use"');
    // SSE-S3 has no use for a bucket key.
    expect(JSON.stringify(resource('ResultsBucket').Properties.BucketEncryption)).not.toContain(
      'BucketKeyEnabled',
    );
  });
});
