import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STACK_PARAMETER_NAMES } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import { asList, loadTemplate, namesStackResource, type Statement, TEMPLATE_PATH } from './template.js';

const template = loadTemplate();
const logicalIds = new Set(Object.keys(template.Resources));
const CFN_LINT = fileURLToPath(new URL('../../.venv/bin/cfn-lint', import.meta.url));

function policyStatements(role: string): Statement[] {
  const policies = (template.Resources[role]?.Properties.Policies ?? []) as Array<{
    PolicyDocument: { Statement: Statement[] };
  }>;
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

const roles = Object.entries(template.Resources)
  .filter(([, r]) => r.Type === 'AWS::IAM::Role')
  .map(([id]) => id);

describe('the customer stack template', () => {
  it('passes cfn-lint with no findings', () => {
    const lint = spawnSync(CFN_LINT, [TEMPLATE_PATH], { encoding: 'utf8' });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  });

  it('grants no wildcard action, and scopes every statement to this stack', () => {
    expect(roles.sort()).toEqual(['AgentRole', 'ControlPlaneRole']);
    for (const role of roles) {
      for (const statement of policyStatements(role)) {
        const where = `${role} ${statement.Sid}`;
        for (const action of asList(statement.Action)) expect(action, where).not.toContain('*');
        const resources = asList(statement.Resource);
        expect(resources.length, where).toBeGreaterThan(0);
        // A resource that cannot name the stack's own (the instance, from its own role) is scoped by the stack's tag.
        const byTag =
          JSON.stringify(statement.Condition ?? {}) ===
          JSON.stringify({ StringEquals: { 'aws:ResourceTag/dockercise:stack': { Ref: 'AWS::StackName' } } });
        for (const resource of resources) {
          expect(resource, where).not.toBe('*');
          expect(namesStackResource(resource, logicalIds) || byTag, where).toBe(true);
        }
      }
    }
  });

  it("names the control plane's role so it can find the stack, and lets it read only this stack", () => {
    const role = template.Resources.ControlPlaneRole;
    expect(role?.Properties.RoleName).toEqual({ 'Fn::Sub': 'dockercise-control-plane-${AWS::Region}' });
    expect(policyStatements('ControlPlaneRole')).toContainEqual({
      Sid: 'DescribeThisStack',
      Effect: 'Allow',
      Action: 'cloudformation:DescribeStacks',
      Resource: { Ref: 'AWS::StackId' },
    });
  });

  it("trusts only the control plane's role (not its whole account), and only with the ExternalId", () => {
    const role = template.Resources.ControlPlaneRole;
    if (!role) throw new Error('no ControlPlaneRole');
    const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
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

  it('lets the agent stop only an instance tagged with this stack, which the host is', () => {
    const stop = policyStatements('AgentRole').find((s) => s.Action === 'ec2:StopInstances');
    expect(stop?.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/dockercise:stack': { Ref: 'AWS::StackName' } },
    });
    expect(template.Resources.AgentInstance?.Properties.Tags).toContainEqual({
      Key: 'dockercise:stack',
      Value: { Ref: 'AWS::StackName' },
    });
  });

  // moto skips these when it deploys the stack (see agent/test/stack.aws.test.ts), so they are held here.
  it('encrypts and locks down the bucket: no public access, TLS only, runs expire', () => {
    const bucket = template.Resources.ResultsBucket?.Properties ?? {};
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
    const policy = template.Resources.ResultsBucketPolicy?.Properties.PolicyDocument as {
      Statement: Statement[];
    };
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('encrypts the queues, redrives after a few receives, and matches the visibility to the lease', () => {
    const queue = template.Resources.JobQueue?.Properties ?? {};
    expect(queue).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 300,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
    expect(template.Resources.DeadLetterQueue?.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    expect(template.Resources.LogGroup?.Properties.RetentionInDays).toEqual({ Ref: 'LogRetentionDays' });
  });

  it('runs the host on Amazon Linux 2023 with IMDSv2, an encrypted disk and no inbound rules', () => {
    expect(template.Parameters.LatestAmiId).toEqual({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      Description: 'Amazon Linux 2023, from the public SSM parameter.',
    });
    const data = template.Resources.AgentLaunchTemplate?.Properties.LaunchTemplateData as Record<
      string,
      unknown
    >;
    expect(data.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(JSON.stringify(data.BlockDeviceMappings)).toContain('"Encrypted":true');
    const group = template.Resources.AgentSecurityGroup?.Properties ?? {};
    expect(group.SecurityGroupIngress).toBeUndefined();
  });

  it('gives the control plane every output it registers the account with, and its agent version', () => {
    expect(Object.keys(template.Outputs).sort()).toEqual([
      'AgentVersion',
      'BucketName',
      'DeadLetterQueueUrl',
      'InstanceId',
      'LogGroupName',
      'QueueUrl',
      'Region',
      'RoleArn',
    ]);
  });

  it("has exactly the parameters the launch link fills in (and the AMI's, which the link leaves alone)", () => {
    expect(Object.keys(template.Parameters).sort()).toEqual([...STACK_PARAMETER_NAMES, 'LatestAmiId'].sort());
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

  it('installs the agent only from a tarball whose sha256 matches the stack parameter', () => {
    const instance = template.Resources.AgentInstance;
    if (!instance) throw new Error('no AgentInstance');
    const userData = (instance.Properties.UserData as { 'Fn::Base64': { 'Fn::Sub': string } })['Fn::Base64'][
      'Fn::Sub'
    ];
    const check = userData.indexOf('echo "${AgentTarballSha256}  $tarball" | sha256sum --check --strict -');
    const install = userData.indexOf('npm-20 install --global --prefix "$prefix" --omit=dev "$tarball"');
    expect(check).toBeGreaterThan(0);
    expect(install).toBeGreaterThan(check);
    // set -e makes a failed check stop the script before the install.
    expect(userData).toContain('set -euo pipefail');
    expect(userData).not.toContain('install --global --prefix "$prefix" --omit=dev "${AgentTarballUrl}"');
  });

  it('has a UserData script that passes shellcheck', () => {
    const userData = template.Resources.AgentInstance?.Properties.UserData as {
      'Fn::Base64': { 'Fn::Sub': string };
    };
    const script = userData['Fn::Base64']['Fn::Sub']
      .replace(/\$\{!([^}]+)\}/g, '$${$1}')
      .replace(/\$\{([A-Za-z0-9:]+)\}/g, (_, name: string) => `sample-${name.replace(/[^A-Za-z0-9]/g, '')}`);
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    const file = join(mkdtempSync(join(tmpdir(), 'userdata-')), 'userdata.sh');
    writeFileSync(file, script);
    const check = spawnSync('shellcheck', ['--shell=bash', file], { encoding: 'utf8' });
    expect(check.stdout).toBe('');
    expect(check.status).toBe(0);
    // The paths the script relies on are the ones the agent's tarball really installs (agent-tarball.test.ts).
    expect(script).toContain('"$prefix/lib/node_modules/@dockercise/agent/dockercise-agent.service"');
    expect(script).toContain('ln -sf "$prefix/bin/dockercise-agent" /usr/local/bin/dockercise-agent');
    execFileSync('bash', ['-n', file]);
  });
});
