import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { ses } from '../clients/ses.js';
import { readConfig } from '../config.js';
import { countMetric } from '../metrics.js';
import type { EmailContent } from './templates.js';

/**
 * SES_CONFIGURATION_SET (set by the stack, infra/email.ts): every send names it, so SES
 * suppresses bounced and complaining addresses and publishes the send's events to the
 * alarmed CloudWatch metrics. Unset locally (aws-ses-v2-local has no configuration sets).
 */
const { EMAIL_FROM: from, SES_CONFIGURATION_SET: configurationSet } = readConfig(['EMAIL_FROM', 'SES_CONFIGURATION_SET']);

export async function sendEmail(to: string, content: EmailContent): Promise<string | undefined> {
  const result = await ses.send(
    new SendEmailCommand({
      FromEmailAddress: from,
      ...(configurationSet && { ConfigurationSetName: configurationSet }),
      Destination: { ToAddresses: [to] },
      Content: {
        Simple: {
          Subject: { Data: content.subject, Charset: 'UTF-8' },
          Body: { Html: { Data: content.html, Charset: 'UTF-8' }, Text: { Data: content.text, Charset: 'UTF-8' } },
        },
      },
    }),
  );
  countMetric('EmailsSent');
  return result.MessageId;
}
