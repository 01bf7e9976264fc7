import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** A Lambda context good enough for handlers run in-process by the local stack. */
export function localLambdaContext(functionName: string, timeoutSeconds = 30): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type AnyHandler = (event: never, context: Context) => Promise<unknown>;

/** Imports a handler file (TypeScript, via tsx) and returns its `handler` export. */
export async function loadHandler(repoRoot: string, file: string): Promise<AnyHandler> {
  const module = (await import(new URL(file, `file://${repoRoot}/`).href)) as { handler?: AnyHandler };
  if (typeof module.handler !== 'function') throw new Error(`${file} does not export a handler`);
  return module.handler;
}
