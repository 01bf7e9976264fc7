import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import * as z from 'zod';
import { ses } from '../clients/ses.js';
import { readEnv } from '../config.js';
import type { EmailContent } from './templates.js';

const { EMAIL_FROM: from } = readEnv(z.object({ EMAIL_FROM: z.email() }));

export async function sendEmail(to: string, content: EmailContent): Promise<string | undefined> {
  const result = await ses.send(
    new SendEmailCommand({
      FromEmailAddress: from,
      Destination: { ToAddresses: [to] },
      Content: {
        Simple: {
          Subject: { Data: content.subject, Charset: 'UTF-8' },
          Body: { Html: { Data: content.html, Charset: 'UTF-8' }, Text: { Data: content.text, Charset: 'UTF-8' } },
        },
      },
    }),
  );
  return result.MessageId;
}
