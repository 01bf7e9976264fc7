/**
 * Every send names the SES configuration set when SES_CONFIGURATION_SET is set (on AWS, by
 * infra/email.ts), so SES suppresses bounced/complaining recipients and publishes the events
 * the alarms read; without it (locally) the request carries no ConfigurationSetName.
 */
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const ses = mockClient(SESv2Client);
const content = { subject: 'Hello', html: '<p>Hi</p>', text: 'Hi' };

beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
  vi.resetModules();
});
afterEach(() => vi.unstubAllEnvs());

/** send-email.ts reads its environment when it loads. */
async function sendWith(configurationSet: string | undefined) {
  vi.stubEnv('SES_CONFIGURATION_SET', configurationSet);
  const { sendEmail } = await import('../../shared/emails/send-email.js');
  await expect(sendEmail('ann@example.com', content)).resolves.toBe('m-1');
  return ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
}

describe('sendEmail', () => {
  it('names the configuration set from SES_CONFIGURATION_SET', async () => {
    const input = await sendWith('OrderManagement-EmailConfigurationSet-abc');
    expect(input).toMatchObject({
      ConfigurationSetName: 'OrderManagement-EmailConfigurationSet-abc',
      FromEmailAddress: 'shop@example.com',
      Destination: { ToAddresses: ['ann@example.com'] },
    });
  });

  it('sends without one when it is unset (local stack: aws-ses-v2-local)', async () => {
    const input = await sendWith(undefined);
    expect(input).not.toHaveProperty('ConfigurationSetName');
  });
});
