import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConfig } from '../config.js';

/** Built once per container; the endpoint comes from AWS_ENDPOINT_URL_DYNAMODB when set. */
export const { TABLE_NAME: tableName } = readConfig(['TABLE_NAME']);

export const dynamoClient = new DynamoDBClient({});
export const db = DynamoDBDocumentClient.from(dynamoClient, {
  marshallOptions: { removeUndefinedValues: true },
});
