import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactionCancelled } from './transactions.js';

export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException');

/** The cancellation reason codes of a failed transaction, in the order of its items. */
export function cancellationReasons(error: unknown): readonly (string | undefined)[] | undefined {
  if (error instanceof TransactionCancelled) return error.reasons.map((reason) => reason.Code);
  if (error instanceof TransactionCanceledException || (error instanceof Error && error.name === 'TransactionCanceledException')) {
    return ((error as TransactionCanceledException).CancellationReasons ?? []).map((reason) => reason.Code);
  }
  return undefined;
}
