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
  return { stack, template: templateOf(stack) };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface CfnTemplate {
  Resources?: Record<string, { Type: string; Properties?: Record<string, Json> }>;
  Outputs?: Record<string, { Value: Json }>;
  [key: string]: unknown;
}

/** Replaces every `{Ref: name}` and `{Fn::GetAtt: [resource, attribute]}` for which `lookup` has a value. */
function substitute(value: Json, lookup: (ref: { ref?: string; getAtt?: [string, string] }) => Json | undefined): Json {
  if (Array.isArray(value)) return value.map((item) => substitute(item, lookup));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'Ref' && typeof value.Ref === 'string') {
    const replaced = lookup({ ref: value.Ref });
    if (replaced !== undefined) return replaced;
  }
  if (keys.length === 1 && keys[0] === 'Fn::GetAtt' && Array.isArray(value['Fn::GetAtt'])) {
    const [resource, attribute] = value['Fn::GetAtt'] as [string, string];
    const replaced = lookup({ getAtt: [resource, attribute] });
    if (replaced !== undefined) return replaced;
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, lookup)]));
}

/**
 * The stack's template with its route nested stacks (`routeStacks`) and the WebSocket API's
 * (`realtime`) folded in, as if they were
 * one stack: their resources join the parent's, each parameter reference becomes the value the
 * parent passes, and each `Outputs.X` the parent (or the alarms' nested stack) reads becomes
 * the output's value. Assertions about a route's function, role or API route then read the
 * same as before the split; test/infra/limits.test.ts checks each real stack on its own.
 */
export function flattenRouteStacks(stack: OrderManagementStack): CfnTemplate {
  const parent = structuredClone(Template.fromStack(stack).toJSON()) as CfnTemplate;
  const nested = [...stack.routeStacks.values(), stack.realtime].map((nestedStack) => ({
    resourceId: stack.getLogicalId(nestedStack.nestedStackResource as CfnElement),
    template: Template.fromStack(nestedStack).toJSON() as CfnTemplate,
  }));
  const outputs = new Map<string, Json>();
  for (const { resourceId, template } of nested) {
    const parameters = (parent.Resources?.[resourceId]?.Properties?.Parameters ?? {}) as Record<string, Json>;
    const resolved = substitute(template as unknown as Json, ({ ref }) => (ref !== undefined ? parameters[ref] : undefined)) as unknown as CfnTemplate;
    for (const [name, output] of Object.entries(resolved.Outputs ?? {})) outputs.set(`${resourceId}.Outputs.${name}`, output.Value);
    Object.assign((parent.Resources ??= {}), resolved.Resources);
    delete parent.Resources[resourceId];
  }
  return substitute(parent as unknown as Json, ({ getAtt }) => (getAtt ? outputs.get(`${getAtt[0]}.${getAtt[1]}`) : undefined)) as unknown as CfnTemplate;
}

/** `Template` of the stack with its route nested stacks folded in (`flattenRouteStacks`). */
export function templateOf(stack: OrderManagementStack): Template {
  return Template.fromJSON(flattenRouteStacks(stack) as Record<string, unknown>, { skipCyclicalDependenciesCheck: true });
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
