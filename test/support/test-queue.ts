import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';

const sqs = new SQSClient({});

/**
 * A queue of the test file's own (on fauxqs), so the events its handlers publish can be read
 * back without racing other test files: set ORDER_EVENTS_QUEUE_URL to `url` before importing
 * any handler module.
 */
export async function createTestQueue(label: string): Promise<{ url: string; drain: () => Promise<Message[]> }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${label}-${randomUUID()}` }));
  const url = QueueUrl!;
  /** Receives and deletes everything on the queue. */
  const drain = async (): Promise<Message[]> => {
    const all: Message[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
      );
      if (Messages.length === 0) return all;
      all.push(...Messages);
      await Promise.all(Messages.map((message) => sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle! }))));
    }
  };
  return { url, drain };
}
