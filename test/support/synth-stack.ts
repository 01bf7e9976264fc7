import { readFileSync } from 'node:fs';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { OrderManagementStack, type OrderManagementStackProps } from '../../infra/stack.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The stack with the same feature flags as `cdk synth`, bundling skipped so a synth takes seconds. */
export function synthStack(id = 'Test', overrides: Partial<OrderManagementStackProps> = {}) {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new OrderManagementStack(app, id, {
    emailFrom: 'shop@example.com',
    adminEmail: 'admin@example.com',
    appBaseUrl: 'https://shop.example.com',
    ...overrides,
  });
  return { stack, template: Template.fromStack(stack) };
}

export const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  Stack.of(construct as never).getLogicalId(construct.node.defaultChild as CfnElement);
