/** Stripe settings reach only the two functions that need them, and only when configured. */
import { describe, expect, it } from 'vitest';
import { defaultStack, logicalId, synthStack } from '../support/synth-stack.js';

type Resources = Record<string, { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
const STRIPE_VARS = [
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_SECRET_KEY_ARN',
  'STRIPE_WEBHOOK_SECRET_ARN',
  'CHECKOUT_SUCCESS_URL',
  'CHECKOUT_CANCEL_URL',
];

function stripeVariables(stack: ReturnType<typeof synthStack>['stack'], template: ReturnType<typeof synthStack>['template']) {
  const resources = template.toJSON().Resources as Resources;
  return Object.fromEntries(
    [...stack.functions].map(([id, fn]) => {
      const variables = resources[logicalId(fn)]!.Properties.Environment?.Variables ?? {};
      return [id, Object.fromEntries(Object.entries(variables).filter(([name]) => STRIPE_VARS.includes(name)))];
    }),
  );
}

describe('Stripe configuration', () => {
  it('with secrets: checkout gets the key secret and URLs, refunds the key, the webhook the signing secret, nobody else anything', () => {
    const { stack, template } = synthStack('StripeTest', {
      stripe: {
        secretKeySecret: 'shop/stripe-secret-key',
        webhookSecretSecret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/stripe-webhook-AbCdEf',
        checkoutSuccessUrl: 'https://shop.example.com/thanks',
      },
    });
    const variables = stripeVariables(stack, template);
    // The secret's name or ARN, never its value (no dynamic reference).
    expect(variables.RouteCreateCheckout).toEqual({
      STRIPE_SECRET_KEY_ARN: 'shop/stripe-secret-key',
      CHECKOUT_SUCCESS_URL: 'https://shop.example.com/thanks',
    });
    expect(variables.RouteStripeWebhook).toEqual({
      STRIPE_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/stripe-webhook-AbCdEf',
    });
    // Refunds call Stripe's Refunds API: the key, no checkout URLs.
    expect(variables.RouteRefundOrder).toEqual({ STRIPE_SECRET_KEY_ARN: 'shop/stripe-secret-key' });
    for (const [id, found] of Object.entries(variables)) {
      if (!['RouteCreateCheckout', 'RouteStripeWebhook', 'RouteRefundOrder'].includes(id)) expect(found, id).toEqual({});
    }
  });

  it('without: no Stripe variables anywhere (the functions start and answer 503)', () => {
    const { stack, template } = defaultStack();
    expect(Object.values(stripeVariables(stack, template)).filter((found) => Object.keys(found).length > 0)).toEqual([]);
  });
});
