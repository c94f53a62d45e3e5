import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SERVICES: Record<string, string> = {
  'client-sqs': 'SQS',
  'client-s3': 'S3',
  'client-auto-scaling': 'AutoScaling',
  'client-cloudwatch-logs': 'CloudWatchLogs',
  'client-cloudformation': 'CloudFormation',
  'client-sts': 'STS',
  'client-ssm': 'SSM',
  'client-ecr': 'ECR',
  'client-secrets-manager': 'SecretsManager',
};

const IMPORT = /import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g;

/**
 * Every AWS SDK command the shipped source sends (`Service.Command`): imported from an
 * `@aws-sdk/client-*` package by a file under agent/src or control-plane/src, tests aside. The IAM
 * test asks that each was recorded: a command no test sends is a permission nobody checked.
 */
export function sourceCommands(root: string): string[] {
  const found = new Set<string>();
  for (const dir of ['agent/src', 'control-plane/src']) {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
      const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
      // lib-storage's Upload sends a multipart upload for a large body.
      if (/from '@aws-sdk\/lib-storage'/.test(text))
        for (const command of ['CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload'])
          found.add(`S3.${command}`);
      for (const [, names = '', pkg = ''] of text.matchAll(IMPORT)) {
        const service = SERVICES[pkg];
        if (!service)
          throw new Error(`${entry.name} imports @aws-sdk/${pkg}, which the IAM test does not know`);
        for (const name of names.split(',').map(
          (n) =>
            n
              .trim()
              .replace(/^type\s+/, '')
              .split(/\s+as\s+/)[0] ?? '',
        ))
          if (name.endsWith('Command') && !names.includes(`type ${name}`))
            found.add(`${service}.${name.replace(/Command$/, '')}`);
      }
    }
  }
  return [...found].sort();
}

/** Every AWS CLI call the host's scripts make (`aws`/`awsr <service> <operation>`), as `Service.Command`. */
export function scriptCommands(scripts: string[]): string[] {
  const cli: Record<string, string> = {
    autoscaling: 'AutoScaling',
    cloudformation: 'CloudFormation',
    logs: 'CloudWatchLogs',
    ssm: 'SSM',
    s3: 'S3',
  };
  const found = new Set<string>();
  for (const script of scripts)
    for (const [, service = '', operation = ''] of script.matchAll(
      /\baws(?:r| --region "\$DOCKERCISE_REGION")\s+([a-z0-9]+)\s+([a-z-]+)/g,
    )) {
      if (service === 's3' && operation === 'cp') found.add('S3.PutObject');
      else
        found.add(
          `${cli[service] ?? service}.${operation
            .split('-')
            .map((w) => (w[0] ?? '').toUpperCase() + w.slice(1))
            .join('')}`,
        );
    }
  return [...found].sort();
}
