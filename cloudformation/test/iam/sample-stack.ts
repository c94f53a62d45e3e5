import type { Template } from '../template.js';

/**
 * One stack made from the template, as AWS would name its resources: what the IAM test renders the
 * policies for. Physical names follow AWS's own forms (a queue `<stack>-<LogicalId>-<suffix>`, a
 * log group's GetAtt Arn ending in `:*`), so a policy that is right only for moto's names fails.
 */
export const SAMPLE = {
  account: '123456789012',
  region: 'us-east-1',
  partition: 'aws',
  stackName: 'dockercise',
  stackId:
    'arn:aws:cloudformation:us-east-1:123456789012:stack/dockercise/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
  /** The role the control plane runs as, in the operator's account. */
  controlPlaneRoleArn: 'arn:aws:iam::111122223333:role/dockercise-control-plane',
  externalId: 'e'.repeat(40),
  groupUuid: '1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809',
} as const;

export interface SampleResource {
  /** What `Ref` gives. */
  ref: string;
  /** What `Fn::GetAtt [X, Arn]` (and `${X.Arn}`) gives. */
  arn: string;
}

const { account, region, stackName } = SAMPLE;
const queue = (id: string): SampleResource => {
  const name = `${stackName}-${id}-1AB2CD3EF4GH`;
  return {
    ref: `https://sqs.${region}.amazonaws.com/${account}/${name}`,
    arn: `arn:aws:sqs:${region}:${account}:${name}`,
  };
};
const bucket = `${stackName}-resultsbucket-1a2b3c4d5e6f`;
const logGroup = `/dockercise/${stackName}`;
const hostGroup = `dockercise-hosts-${stackName}`;
const role = (name: string): SampleResource => ({ ref: name, arn: `arn:aws:iam::${account}:role/${name}` });

/** The stack's resources that a policy or a call can name, by logical id. */
export const SAMPLE_RESOURCES: Record<string, SampleResource> = {
  JobQueue: queue('JobQueue'),
  DeadLetterQueue: queue('DeadLetterQueue'),
  ResultsBucket: { ref: bucket, arn: `arn:aws:s3:::${bucket}` },
  LogGroup: { ref: logGroup, arn: `arn:aws:logs:${region}:${account}:log-group:${logGroup}:*` },
  HostGroup: {
    ref: hostGroup,
    arn: `arn:aws:autoscaling:${region}:${account}:autoScalingGroup:${SAMPLE.groupUuid}:autoScalingGroupName/${hostGroup}`,
  },
  ScaleInOne: {
    ref: `arn:aws:autoscaling:${region}:${account}:scalingPolicy:${SAMPLE.groupUuid}:autoScalingGroupName/${hostGroup}:policyName/ScaleInOne`,
    arn: '',
  },
  AgentSettings: {
    ref: `/dockercise/${stackName}/agent`,
    arn: `arn:aws:ssm:${region}:${account}:parameter/dockercise/${stackName}/agent`,
  },
  ControlPlaneRole: role(`dockercise-control-plane-${region}`),
  AgentRole: role(`${stackName}-AgentRole-1A2B3C4D5E6F`),
  // Not the stack's: a deploy role of the customer's own that the sample stack lists in StepRoleArns.
  StepRole: role('dockercise-test-deploy'),
  // Not the stack's either: the customer's secret of registry credentials (RegistryCredentialsSecretArn).
  RegistrySecret: {
    ref: `arn:aws:secretsmanager:${region}:${account}:secret:dockercise/registries-AbCdEf`,
    arn: `arn:aws:secretsmanager:${region}:${account}:secret:dockercise/registries-AbCdEf`,
  },
};

/**
 * The deploy role's trust policy, as the README's "Deploy to AWS" gives it: this stack's hosts may
 * assume it, with session tags, only for this repository's main branch and only once its deploy
 * gate is approved by one of the people named. The IAM test evaluates the agent's recorded AssumeRole against it.
 */
export const STEP_ROLE_TRUST_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: SAMPLE_RESOURCES.AgentRole?.arn },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: {
        StringEquals: {
          'aws:RequestTag/dockercise:repository': 'me/app',
          'aws:RequestTag/dockercise:branch': 'main',
          'aws:RequestTag/dockercise:gate': 'deploy.dockercise.yaml',
          // Approved by one of the people who may deploy.
          'aws:RequestTag/dockercise:approved-by': ['octocat', 'hubot'],
        },
      },
    },
  ],
};

const PSEUDO: Record<string, string> = {
  'AWS::AccountId': account,
  'AWS::Region': region,
  'AWS::Partition': SAMPLE.partition,
  'AWS::StackName': stackName,
  'AWS::StackId': SAMPLE.stackId,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Parameter values of the sample stack: the launch link's, then the template's defaults. */
function parameterValues(template: Template, overrides: Record<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, p] of Object.entries(template.Parameters))
    if (p.Default !== undefined) values[name] = String(p.Default);
  return {
    ...values,
    ControlPlaneRoleArn: SAMPLE.controlPlaneRoleArn,
    ExternalId: SAMPLE.externalId,
    StepRoleArns: SAMPLE_RESOURCES.StepRole?.arn ?? '',
    RegistryCredentialsSecretArn: SAMPLE_RESOURCES.RegistrySecret?.arn ?? '',
    ...overrides,
  };
}

/**
 * Renders intrinsic functions for the sample stack: Ref, Fn::GetAtt (Arn), Fn::Sub, Fn::If,
 * Fn::Join, Fn::Split, Fn::Select. Enough for policies; anything else is an error, so a policy
 * written with a function this does not know cannot pass by being left unrendered.
 */
export function renderer(
  template: Template,
  overrides: Record<string, string> = {},
): ((value: unknown) => unknown) & { condition(name: string): boolean } {
  const parameters = parameterValues(template, overrides);
  const conditions = (template as { Conditions?: Record<string, unknown> }).Conditions ?? {};
  const refOf = (name: string): string => {
    const value = PSEUDO[name] ?? parameters[name] ?? SAMPLE_RESOURCES[name]?.ref;
    if (value === undefined) throw new Error(`the sample stack has no value for Ref ${name}`);
    return value;
  };
  const arnOf = (name: string): string => {
    const value = SAMPLE_RESOURCES[name]?.arn;
    if (!value) throw new Error(`the sample stack has no Arn for ${name}`);
    return value;
  };
  const condition = (name: string): boolean => Boolean(render(conditions[name]));
  const render = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(render).filter((v) => v !== NO_VALUE);
    if (!value || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    const [key] = Object.keys(object);
    const arg = key === undefined ? undefined : object[key];
    switch (key) {
      case 'Ref':
        return arg === 'AWS::NoValue' ? NO_VALUE : refOf(String(arg));
      case 'Fn::GetAtt': {
        const [id, attribute] = arg as [string, string];
        if (attribute !== 'Arn') throw new Error(`GetAtt ${id}.${attribute} is not rendered`);
        return arnOf(id);
      }
      case 'Fn::Sub':
        return String(arg).replace(/\$\{([\w:]+)(?:\.(\w+))?\}/g, (_, name: string, attribute?: string) =>
          attribute ? arnOf(name) : refOf(name),
        );
      case 'Fn::If': {
        const [name, yes, no] = arg as [string, unknown, unknown];
        return render(condition(name) ? yes : no);
      }
      case 'Fn::Equals': {
        const [a, b] = (arg as unknown[]).map(render);
        return a === b;
      }
      case 'Fn::Not':
        return !render((arg as unknown[])[0]);
      case 'Fn::And':
        return (arg as unknown[]).every((c) => Boolean(render(c)));
      case 'Fn::Or':
        return (arg as unknown[]).some((c) => Boolean(render(c)));
      case 'Condition':
        return condition(String(arg));
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown];
        return (render(parts) as unknown[]).join(separator);
      }
      case 'Fn::Split': {
        const [separator, text] = arg as [string, unknown];
        return String(render(text)).split(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number, unknown];
        return (render(list) as unknown[])[Number(index)];
      }
      default:
        if (key?.startsWith('Fn::')) throw new Error(`${key} is not rendered`);
        return Object.fromEntries(
          Object.entries(object)
            .map(([k, v]) => [k, render(v)] as const)
            .filter(([, v]) => v !== NO_VALUE),
        );
    }
  };
  return Object.assign(render, { condition });
}

const NO_VALUE = Symbol('AWS::NoValue');
