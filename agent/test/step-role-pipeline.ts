import { HOST_IMAGE } from './host-image.global.js';

/** A deploy role of the customer's own, named in the IAM test's sample stack (StepRoleArns). */
export const STEP_ROLE_ARN = 'arn:aws:iam::123456789012:role/dockercise-test-deploy';

/**
 * The seed's deploy as a pipeline with `aws-role`: behind its gate, a CloudFormation stack made and
 * waited on with the real AWS CLI (Debian's, in the host image) and the role's credentials from
 * the container credentials endpoint; beside it a step with no role. `--endpoint-url` sends the
 * CLI to moto at the credentials network's gateway (Debian's CLI 2.9 predates AWS_ENDPOINT_URL).
 */
export function stepRolePipeline(motoPort: string, stack: string): Record<string, string> {
  const aws = `aws --endpoint-url http://169.254.170.2:${motoPort} --region us-east-1`;
  const served = `python3 -c "import json, os, urllib.request as u; r = u.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], headers={{'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']}}); print('secret key: ' + json.load(u.urlopen(r))['SecretAccessKey'])"`;
  return {
    'deploy.dockercise.yaml': `after: human-click
create-stack:
  img: ${HOST_IMAGE}
  aws-role: ${STEP_ROLE_ARN}
  run: |
    printf 'Resources:\\n  Topic:\\n    Type: AWS::SNS::Topic\\n' > infra.yaml
    ${aws} sts get-caller-identity --query Arn --output text
    ${aws} cloudformation create-stack --stack-name ${stack} --template-body file://infra.yaml > /dev/null
    ${served}
    echo "keys in the environment: $(env | grep -c '^AWS_SECRET_ACCESS_KEY=')"
  done: ${aws} cloudformation wait stack-create-complete --stack-name ${stack} && echo created
`,
    'ci.dockercise.yaml': `no-role:
  img: ${HOST_IMAGE}
  run: ${aws} sts get-caller-identity 2>&1 | tail -1 | grep -o 'Unable to locate credentials' || true
`,
  };
}

/** What each step of it prints in run `runId`. */
export function stepsSeeing(runId: string): Record<string, string[]> {
  return {
    'create-stack': [
      `arn:aws:sts::123456789012:assumed-role/dockercise-test-deploy/${runId}.create-stack`,
      'secret key: ***',
      'keys in the environment: 0',
      'created',
    ],
    'no-role': ['Unable to locate credentials'],
  };
}
