import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type JobQueue, type QueuedJob, QueueUnusableError } from '../../backend/job-queue.js';
import { awsErrorName } from './clients.js';

const UNUSABLE = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAddress',
]);

/** SQS ids and attributes for a reason: at most 256 characters of printable text. */
const MAX_REASON = 256;

export class SqsJobQueue implements JobQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
    /** The lease a received job starts with, whatever the queue's own default. */
    private readonly visibilityTimeoutSeconds?: number,
  ) {}

  async receive(max: number, waitSeconds: number, signal: AbortSignal): Promise<QueuedJob[]> {
    try {
      const response = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
          WaitTimeSeconds: waitSeconds,
          ...(this.visibilityTimeoutSeconds ? { VisibilityTimeout: this.visibilityTimeoutSeconds } : {}),
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
        { abortSignal: signal },
      );
      return (response.Messages ?? []).map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? '1'),
      }));
    } catch (error) {
      throw this.classify(error, 'receive from');
    }
  }

  async waiting(): Promise<number> {
    try {
      const { Attributes } = await this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed'],
        }),
      );
      return (
        Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0)
      );
    } catch (error) {
      throw this.classify(error, 'read the depth of');
    }
  }

  async delete(job: QueuedJob): Promise<void> {
    await this.sqs.send(
      new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: job.receiptHandle }),
    );
  }

  async extend(job: QueuedJob, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: job.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }

  async release(job: QueuedJob, delaySeconds: number): Promise<void> {
    await this.extend(job, Math.max(0, Math.min(43_200, Math.round(delaySeconds))));
  }

  async deadLetter(job: QueuedJob, reason: string): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        // An unparseable body is kept as it came; SQS takes any text.
        MessageBody: job.body === '' ? '(empty)' : job.body,
        MessageAttributes: {
          'dockercise-reason': { DataType: 'String', StringValue: reason.slice(0, MAX_REASON) },
          'dockercise-original-message-id': { DataType: 'String', StringValue: job.messageId || 'unknown' },
        },
      }),
    );
    await this.delete(job);
  }

  private classify(error: unknown, what: string): unknown {
    const name = awsErrorName(error);
    if (UNUSABLE.has(name)) {
      return new QueueUnusableError(
        `cannot ${what} ${this.queueUrl}: ${name}${error instanceof Error ? ` (${error.message})` : ''}`,
        {
          cause: error,
        },
      );
    }
    return error;
  }
}
