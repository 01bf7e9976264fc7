/**
 * SES (infra/email.ts): the sender identity, a configuration set that suppresses bounced and
 * complaining addresses and publishes their events to CloudWatch, and every sending function
 * names that set and may use it (for the sender only).
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { consumers } from '../../infra/consumers.js';
import { routeList } from '../../infra/routes.js';
import { schedules } from '../../infra/schedules.js';
import { OrderManagementStack } from '../../infra/stack.js';
import { defaultStack, logicalId, synthStack, testAppContext, testStackProps } from '../support/synth-stack.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let stack: OrderManagementStack;
let template: Template;
beforeAll(() => {
  ({ stack, template } = defaultStack());
});

describe('SES configuration set', () => {
  it('suppresses bounces and complaints and tracks reputation', () => {
    template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      ReputationOptions: { ReputationMetricsEnabled: true },
    });
  });

  it('publishes send, delivery, bounce and complaint events to CloudWatch, by configuration set', () => {
    const configurationSet = { Ref: logicalId(stack.email.configurationSet) };
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: configurationSet,
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: Match.arrayWith(['send', 'delivery', 'bounce', 'complaint']),
        CloudWatchDestination: {
          DimensionConfigurations: [
            { DimensionName: 'ses:configuration-set', DimensionValueSource: 'messageTag', DefaultDimensionValue: configurationSet },
          ],
        },
      },
    });
  });
});

describe('SES identity', () => {
  it('without sesDomain: the sender address, with the configuration set as its default', () => {
    template.resourceCountIs('AWS::SES::EmailIdentity', 1);
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'shop@example.com',
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: logicalId(stack.email.configurationSet) } },
    });
    expect(template.toJSON().Outputs.SesDkimRecords).toBeUndefined();
  });

  it('with sesDomain: the domain with Easy DKIM (2048-bit) and its CNAME records as an output', () => {
    const { template: withDomain } = synthStack('WithSesDomain', { emailFrom: 'Shop <orders@mail.shop.example.org>', sesDomain: 'shop.example.org' });
    withDomain.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'shop.example.org',
      // Easy DKIM: SES generates the key; signing is on by default (no DkimAttributes).
      DkimAttributes: Match.absent(),
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
    });
    expect(JSON.stringify(withDomain.toJSON().Outputs.SesDkimRecords.Value)).toContain('DkimDNSTokenName1');
  });

  it('refuses a sesDomain that does not cover the sender', () => {
    const app = new App({ context: testAppContext() });
    expect(() => new OrderManagementStack(app, 'Mismatch', { ...testStackProps, emailFrom: 'shop@other.example', sesDomain: 'shop.example.org' })).toThrow(
      /sesDomain shop.example.org does not cover the sender shop@other.example/,
    );
  });
});

describe('sending functions', () => {
  const senders = new Set(
    [
      ...routeList.filter((r) => r.access.sendEmail).map((r) => `Route${r.id.charAt(0).toUpperCase()}${r.id.slice(1)}`),
      ...consumers.filter((c) => c.access.sendEmail).map((c) => `Consumer${c.id.charAt(0).toUpperCase()}${c.id.slice(1)}`),
      ...schedules.filter((s) => s.access.sendEmail).map((s) => `Schedule${s.id.charAt(0).toUpperCase()}${s.id.slice(1)}`),
    ],
  );

  it('exactly the functions that send email get SES_CONFIGURATION_SET', () => {
    expect(senders.has('ConsumerOrderEventsProcessor')).toBe(true);
    const resources = template.toJSON().Resources as Record<string, Json>;
    for (const [fnId, fn] of stack.functions) {
      const variables = resources[logicalId(fn)]!.Properties.Environment.Variables;
      if (senders.has(fnId)) expect(variables.SES_CONFIGURATION_SET, fnId).toEqual({ Ref: logicalId(stack.email.configurationSet) });
      else expect(variables.SES_CONFIGURATION_SET, fnId).toBeUndefined();
    }
  });

  it('and ses:SendEmail on the configuration set, for the sender address only', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const configurationSetGrants = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Json[])
        .filter((statement) => JSON.stringify(statement.Resource).includes(':configuration-set/'))
        .map((statement) => ({ roles: policy.Properties.Roles, statement })),
    );
    expect(configurationSetGrants).toHaveLength(senders.size);
    for (const { statement } of configurationSetGrants) {
      expect(statement).toMatchObject({
        Effect: 'Allow',
        Action: 'ses:SendEmail',
        Condition: { StringEquals: { 'ses:FromAddress': 'shop@example.com' } },
      });
      expect(JSON.stringify(statement.Resource)).toContain(`{"Ref":"${logicalId(stack.email.configurationSet)}"}`);
    }
  });
});
