import { SQSClient } from '@aws-sdk/client-sqs';

/** Built once per container; the endpoint comes from AWS_ENDPOINT_URL_SQS when set. */
export const sqs = new SQSClient({});
