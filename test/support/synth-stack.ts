import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { defineApp } from '../../infra/define-app.js';
import { OrderManagementStack, type OrderManagementStackProps } from '../../infra/stack.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The feature flags of `cdk synth`, with bundling skipped (`aws:cdk:bundling-stacks: []`). */
export const testAppContext = (): Record<string, unknown> => ({ ...cdkJson.context, 'aws:cdk:bundling-stacks': [] });

/** The props every test stack starts from. */
export const testStackProps: OrderManagementStackProps = {
  emailFrom: 'shop@example.com',
  adminEmail: 'admin@example.com',
  appBaseUrl: 'https://shop.example.com',
};

/** Counts full synths in this worker, so a test can prove the default stack is shared. */
export const synthCount = { value: 0 };

/** The stack with the same feature flags as `cdk synth`, bundling skipped so a synth takes seconds. */
export function synthStack(id = 'Test', overrides: Partial<OrderManagementStackProps> = {}) {
  const app = new App({ context: testAppContext() });
  const stack = new OrderManagementStack(app, id, { ...testStackProps, ...overrides });
  synthCount.value += 1;
  return { stack, template: Template.fromStack(stack) };
}

let shared: ReturnType<typeof synthStack> | undefined;

/**
 * The default stack (real route, consumer and schedule lists, `testStackProps`), synthesized
 * once per worker and shared by every infra test file that only reads it. The `infra` vitest
 * project runs its files in one worker without isolation (vitest.config.ts), so that is once
 * per test run. Do not modify the returned stack: build your own with `synthStack`.
 */
export function defaultStack(): ReturnType<typeof synthStack> {
  shared ??= synthStack('Default');
  return shared;
}

export const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  Stack.of(construct as never).getLogicalId(construct.node.defaultChild as CfnElement);

export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: { Resources?: object; Outputs?: object; Parameters?: object };
}

/**
 * Synthesizes the whole app with the given context (bundling and cdk-nag off: other tests
 * cover them): every stack, and every nested stack's template (`*.nested.template.json`).
 */
export function synthApp(context: Record<string, unknown> = {}): SynthesizedStack[] {
  const app = new App({ context: { ...testAppContext(), nag: false, ...context } });
  defineApp(app);
  const assembly = app.synth();
  const nested = readdirSync(assembly.directory)
    .filter((file) => file.endsWith('.nested.template.json'))
    .map((file) => ({
      stackName: `${file.replace(/\.nested\.template\.json$/, '')} (nested)`,
      template: JSON.parse(readFileSync(path.join(assembly.directory, file), 'utf8')) as SynthesizedStack['template'],
    }));
  return [...assembly.stacks.map((stack) => ({ stackName: stack.stackName, template: stack.template as SynthesizedStack['template'] })), ...nested];
}
