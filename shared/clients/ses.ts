import { SESv2Client } from '@aws-sdk/client-sesv2';

/** Built once per container; the endpoint comes from AWS_ENDPOINT_URL_SESV2 when set. */
export const ses = new SESv2Client({});
