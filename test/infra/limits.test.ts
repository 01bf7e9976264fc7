/**
 * CloudFormation limits, with room to grow: every stack of the app (as `cdk synth` defines it,
 * infra/define-app.ts) stays under 400 resources (quota 500), 40 dynamic references
 * `{{resolve:…}}` (quota 60), 800 KB of template (quota 1 MB via S3), 150 outputs
 * (quota 200) and 150 parameters (quota 200; a nested stack receives what it reads from its
 * parent as parameters). Nested stacks (infra/observability.ts) count as stacks of their own.
 * The counts are printed on every run.
 */
import { describe, expect, it } from 'vitest';
import { synthApp } from '../support/synth-stack.js';

const LIMITS = { resources: 400, dynamicReferences: 40, templateBytes: 800 * 1024, outputs: 150, parameters: 150 } as const;

interface Counts {
  readonly resources: number;
  readonly dynamicReferences: number;
  readonly templateBytes: number;
  readonly outputs: number;
  readonly parameters: number;
}

/** What CloudFormation counts, from a template as CDK writes it. */
function countsOf(template: { Resources?: object; Outputs?: object; Parameters?: object }): Counts {
  const json = JSON.stringify(template);
  return {
    resources: Object.keys(template.Resources ?? {}).length,
    // Each dynamic reference starts with `{{resolve:` (CDK may split the rest over Fn::Join parts).
    dynamicReferences: json.split('{{resolve:').length - 1,
    // CDK uploads the template as written to cdk.out (JSON, indented by one space).
    templateBytes: Buffer.byteLength(JSON.stringify(template, undefined, 1)),
    outputs: Object.keys(template.Outputs ?? {}).length,
    parameters: Object.keys(template.Parameters ?? {}).length,
  };
}

const variants: Record<string, Record<string, unknown>> = {
  default: {},
  // Everything optional switched on: the most resources and references the app can have.
  'with Stripe': {
    stripeSecretKeySecret: 'shop/stripe-secret-key',
    stripeWebhookSecretSecret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/stripe-webhook-AbCdEf',
  },
};

describe('CloudFormation limits', () => {
  for (const [name, context] of Object.entries(variants)) {
    it(`every stack stays inside them (${name})`, () => {
      const stacks = synthApp(context);
      expect(stacks.length).toBeGreaterThan(0);
      const rows = stacks.map((stack) => ({ stack: stack.stackName, ...countsOf(stack.template) }));
      console.log(
        `CloudFormation counts (${name}; limits ${LIMITS.resources} resources, ${LIMITS.dynamicReferences} dynamic references, ` +
          `${LIMITS.templateBytes / 1024} KB, ${LIMITS.outputs} outputs, ${LIMITS.parameters} parameters):\n` +
          rows
            .map((r) => `  ${r.stack}: ${r.resources} resources, ${r.dynamicReferences} dynamic references, ${(r.templateBytes / 1024).toFixed(0)} KB, ${r.outputs} outputs, ${r.parameters} parameters`)
            .join('\n'),
      );
      for (const row of rows) {
        expect(row.resources, `${row.stack} resources`).toBeLessThanOrEqual(LIMITS.resources);
        expect(row.dynamicReferences, `${row.stack} dynamic references`).toBeLessThanOrEqual(LIMITS.dynamicReferences);
        expect(row.templateBytes, `${row.stack} template bytes`).toBeLessThanOrEqual(LIMITS.templateBytes);
        expect(row.outputs, `${row.stack} outputs`).toBeLessThanOrEqual(LIMITS.outputs);
        expect(row.parameters, `${row.stack} parameters`).toBeLessThanOrEqual(LIMITS.parameters);
      }
      // The alarms' nested stack is counted too.
      expect(rows.some((row) => row.stack.endsWith('(nested)'))).toBe(true);
    }, 120_000);
  }

  it('counts what CloudFormation counts (the check is live)', () => {
    const template = {
      Resources: {
        A: { Type: 'AWS::SQS::Queue' },
        F: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Environment: {
              Variables: {
                X: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: 'S' }, ':SecretString:::}}']] },
                Y: '{{resolve:ssm:/a/b}}',
              },
            },
          },
        },
      },
      Outputs: { O: { Value: 'v' } },
    };
    expect(countsOf(template)).toMatchObject({ resources: 2, dynamicReferences: 2, outputs: 1, parameters: 0 });
    expect(countsOf(template).templateBytes).toBe(Buffer.byteLength(JSON.stringify(template, undefined, 1)));
  });
});
