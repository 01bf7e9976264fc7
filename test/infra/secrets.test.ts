/**
 * Secrets at runtime: no secret value (no `{{resolve:secretsmanager…}}`) in any function's
 * environment or anywhere in the template; each function gets the ARN of exactly the secrets
 * its code reads at init, and GetSecretValue on exactly those secrets, nothing else.
 * (test/infra/function-init.test.ts checks the other half: each function really reads them.)
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUTHENTICATE_MODULE, INIT_SECRET_READERS, type AppFunction } from '../../infra/app-function.js';
import { FunctionBundles } from '../../infra/function-bundles.js';
import { routeList } from '../../infra/routes.js';
import type { OrderManagementStack } from '../../infra/stack.js';
import { defaultStack, logicalId, synthStack } from '../support/synth-stack.js';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const SECRET_ENV = /_ARN$/;

function roleStatements(template: Template, fn: AppFunction): Statement[] {
  const roleId = logicalId(fn.role as never);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const environmentOf = (template: Template, fn: AppFunction) =>
  (template.toJSON().Resources[logicalId(fn)].Properties.Environment?.Variables ?? {}) as Record<string, unknown>;

/**
 * Per function: secret env vars (name → value), its secretsmanager statements, and the
 * secrets they name, one entry per secret (CDK may merge statements: minimizePolicies).
 */
function secretAccess(stack: OrderManagementStack, template: Template) {
  return new Map(
    [...stack.functions].map(([id, fn]) => {
      const statements = roleStatements(template, fn).filter((s) => actions(s).some((a) => a.startsWith('secretsmanager:')));
      const secrets = statements.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource])).map((r) => JSON.stringify(r));
      const env = Object.fromEntries(Object.entries(environmentOf(template, fn)).filter(([name]) => SECRET_ENV.test(name)));
      return [id, { fn, env, statements, secrets }] as const;
    }),
  );
}

const secretRef = (stack: OrderManagementStack, id: 'JwtSecret' | 'AdminPassword') => ({
  Ref: logicalId(stack.node.findChild(id) as never),
});

describe('secrets at runtime (default stack)', () => {
  let stack: OrderManagementStack;
  let template: Template;
  let access: ReturnType<typeof secretAccess>;

  beforeAll(() => {
    ({ stack, template } = defaultStack());
    access = secretAccess(stack, template);
  });

  it('puts no secret value anywhere in the template (no dynamic references)', () => {
    for (const [id, { fn }] of access) expect(JSON.stringify(environmentOf(template, fn)), id).not.toContain('resolve:secretsmanager');
    expect(JSON.stringify(template.toJSON())).not.toContain('{{resolve:');
    for (const [id, { fn }] of access) {
      for (const name of ['JWT_SECRET', 'ADMIN_PASSWORD', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']) {
        expect(environmentOf(template, fn)[name], `${id} ${name}`).toBeUndefined();
      }
    }
  });

  it('grants only secretsmanager:GetSecretValue, on named secrets (no wildcard)', () => {
    for (const [id, { statements, secrets }] of access) {
      for (const statement of statements) {
        expect(statement.Effect, id).toBe('Allow');
        expect(actions(statement), id).toEqual(['secretsmanager:GetSecretValue']);
      }
      for (const secret of secrets) expect(secret, id).not.toContain('*');
    }
  });

  it('gives the JWT secret exactly to the functions that load shared/auth/keys.ts (at init, or authenticating)', () => {
    const bundles = FunctionBundles.of(stack);
    const keys = 'shared/auth/keys.ts';
    const authenticatingRoutes = new Set(routeList.filter((r) => r.auth !== 'public').map((r) => `Route${r.id.charAt(0).toUpperCase()}${r.id.slice(1)}`));
    const readers = [...access].filter(
      ([id, { fn }]) =>
        bundles.modulesLoadedBy(fn.handlerFile).has(keys) ||
        (authenticatingRoutes.has(id) && bundles.modulesLoadedBy(AUTHENTICATE_MODULE).has(keys)),
    );
    const jwt = secretRef(stack, 'JwtSecret');
    const granted = [...access].filter(([, { secrets }]) => secrets.includes(JSON.stringify(jwt)));
    const withEnv = [...access].filter(([, { env }]) => JSON.stringify(env.JWT_SECRET_ARN) === JSON.stringify(jwt));
    expect(granted.map(([id]) => id).sort()).toEqual(readers.map(([id]) => id).sort());
    expect(withEnv.map(([id]) => id).sort()).toEqual(readers.map(([id]) => id).sort());
    // Not vacuous: the token routes read it; a job and public routes that never touch keys do not.
    expect(readers.map(([id]) => id)).toEqual(expect.arrayContaining(['RouteLogin', 'RouteRefresh', 'RouteGetMe', 'RouteGetCart']));
    // The order-events processor reads one order and one user (find-order.ts, find-user.ts), not
    // the repositories whose list pagination derives its cursor key from the JWT secret.
    for (const id of ['ScheduleReleaseExpiredHolds', 'RouteHealth', 'RouteOpenApi', 'ConsumerOrderEventsProcessor', 'StreamConsumerOrderFacts']) expect(readers.map(([r]) => r)).not.toContain(id);
    expect(access.has('ConsumerOrderEventsProcessor')).toBe(true);
    expect(Object.keys(INIT_SECRET_READERS)).toEqual(['shared/auth/keys.ts']);
  });

  it('lets only the seed function read the admin password', () => {
    const admin = JSON.stringify(secretRef(stack, 'AdminPassword'));
    for (const [id, { env, secrets }] of access) {
      const reads = secrets.includes(admin);
      expect(reads, id).toBe(id === 'SeedAdminFunction');
      expect(JSON.stringify(env.ADMIN_PASSWORD_ARN) === admin, id).toBe(id === 'SeedAdminFunction');
    }
  });

  it('has exactly one ARN variable per secret a function may read', () => {
    for (const [id, { env, secrets }] of access) {
      expect(Object.keys(env).length, id).toBe(secrets.length);
      for (const value of Object.values(env)) expect(secrets, `${id}: a variable without its grant`).toContain(JSON.stringify(value));
    }
  });
});

describe('secrets at runtime (with Stripe)', () => {
  const byName = 'shop/stripe-secret-key';
  const byArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/stripe-webhook-AbCdEf';
  let access: ReturnType<typeof secretAccess>;
  let template: Template;

  beforeAll(() => {
    const synth = synthStack('SecretsStripe', { stripe: { secretKeySecret: byName, webhookSecretSecret: byArn } });
    template = synth.template;
    access = secretAccess(synth.stack, template);
  });

  it('still puts no secret value in the template', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('{{resolve:');
  });

  it('lets only checkout and refunds read the Stripe key (imported by name: its ARN with the 6-character suffix)', () => {
    const keyReaders = ['RouteCreateCheckout', 'RouteRefundOrder'];
    for (const [id, { env, secrets }] of access) {
      const reads = secrets.some((secret) => secret.includes(`:secret:${byName}-??????`));
      expect(reads, id).toBe(keyReaders.includes(id));
      expect(env.STRIPE_SECRET_KEY_ARN, id).toBe(keyReaders.includes(id) ? byName : undefined);
    }
  });

  it('lets only the webhook read the signing secret (imported by complete ARN: exactly that ARN)', () => {
    for (const [id, { env, secrets }] of access) {
      const reads = secrets.includes(JSON.stringify(byArn));
      expect(reads, id).toBe(id === 'RouteStripeWebhook');
      expect(env.STRIPE_WEBHOOK_SECRET_ARN, id).toBe(id === 'RouteStripeWebhook' ? byArn : undefined);
    }
  });
});
