import { App } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { ScheduleDefinition } from '../../infra/route-types.js';
import { defineApp } from '../../infra/define-app.js';
import { OrderManagementStack } from '../../infra/stack.js';
import { defaultStack, testAppContext, testStackProps } from '../support/synth-stack.js';

function build(schedules?: readonly ScheduleDefinition[]) {
  const app = new App({ context: testAppContext() });
  return new OrderManagementStack(app, 'NagTest', { ...testStackProps, ...(schedules && { schedules }) });
}

/**
 * cdk-nag v3 is a CDK policy-validation plugin: findings are not annotations any more, and
 * suppressions are `Validations.of(construct).acknowledge(...)` (see infra/stack.ts).
 * `validateScope` runs the same rules `cdk synth` runs and returns what is left unacknowledged.
 */
function unacknowledged(stack: OrderManagementStack): string[] {
  const report = new AwsSolutionsChecks(undefined, { verbose: false }).validateScope(stack);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map(
      (resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}: ${violation.description}`,
    ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('has no unacknowledged errors or warnings', () => {
    expect(unacknowledged(defaultStack().stack)).toEqual([]);
  });

  it('still passes when schedules are added (acknowledgements follow the lists)', () => {
    const schedules: ScheduleDefinition[] = [
      { id: 'job', handler: 'functions/service/health.ts', schedule: 'rate(1 hour)', timeoutSeconds: 30, access: { table: 'read' } },
    ];
    expect(unacknowledged(build(schedules))).toEqual([]);
  });

  it('the app as `cdk synth` defines it (stack OrderManagement, nested references resolved) synthesizes without a finding', () => {
    // Test stacks are called Default, where CDK's unique ids equal logical ids; the real app's
    // nested-stack reference parameters are named after `OrderManagement…` unique ids.
    const app = new App({ context: { ...testAppContext(), nag: true } });
    defineApp(app);
    expect(() => app.synth()).not.toThrow();
  }, 300_000);

  it('reports a finding that nobody acknowledged (the check is live)', () => {
    const stack = build([]);
    new Queue(stack, 'Unsafe', { encryption: QueueEncryption.UNENCRYPTED });
    const findings = unacknowledged(stack);
    expect(findings.some((f) => f.includes('AwsSolutions-SQS2') && f.includes('/Unsafe/'))).toBe(true);
    expect(findings.some((f) => f.includes('AwsSolutions-SQS3') && f.includes('/Unsafe/'))).toBe(true);
  });
});
