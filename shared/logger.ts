import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger per container; handlers append the request id to each line. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'order-management' });
