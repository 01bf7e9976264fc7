/**
 * Issue 9 item 6, least privilege on the table, as CDK assertions on the synthesized stack:
 * - no `dynamodb:BatchWriteItem` anywhere (the app's code never sends one);
 * - nothing but `dynamodb:Query` on index ARNs, and table actions on the table ARN only;
 * - every function whose access declares partition keys (all public routes among them) gets
 *   exactly those keys as a `ForAllValues:StringLike` `dynamodb:LeadingKeys` condition, and
 *   Query only on the indexes it declares, each with its own keys.
 * That the declared keys are complete (every key the code touches) is proven against DynamoDB
 * Local in test/integration/least-privilege.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, type AppFunction } from '../../infra/app-function.js';
import { consumers, streamConsumers } from '../../infra/consumers.js';
import { AUTHENTICATION_KEYS, routeAccess, SEED_ADMIN_ACCESS, tableAccessOf, type Access, type RouteDefinition } from '../../infra/route-types.js';
import { routeList, routes } from '../../infra/routes.js';
import { schedules } from '../../infra/schedules.js';
import type { OrderManagementStack } from '../../infra/stack.js';
import { defaultStack, logicalId, synthStack } from '../support/synth-stack.js';
import { KEYED_ROUTES, PUBLIC_TABLE_ROUTES } from '../support/keyed-routes.js';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const actionsOf = (statement: Statement) => list(statement.Action);
const resourcesOf = (statement: Statement) => list(statement.Resource);

/** Every statement of every inline policy attached to the function's role. */
function statementsOf(template: Template, fn: AppFunction): Statement[] {
  const roleId = logicalId(fn.role as never);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const allStatements = (template: Template): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);

const dynamoStatements = (statements: Statement[]) => statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));

/** `{Fn::GetAtt: [Table, Arn]}` → `table`; `{Fn::Join: ['', [that, '/index/gsi1']]}` → `index/gsi1`. */
function describeResource(resource: unknown, tableId: string): string {
  const json = JSON.stringify(resource);
  if (json === JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] })) return 'table';
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join && join[0] === '' && JSON.stringify(join[1][0]) === JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] }) && join[1].length === 2) {
    return String(join[1][1]).replace(/^\//, '');
  }
  return json;
}

/** One resource's grant: its actions (sorted, joined) and condition. */
interface Grant {
  actions: string;
  condition?: unknown;
}

/**
 * The grants on the table and its indexes per resource (`table`, `index/gsi1`, ...), whatever way CDK merged the
 * statements (`@aws-cdk/aws-iam:minimizePolicies` joins statements that differ only in resources).
 */
function grantsByResource(statements: Statement[], tableId: string): Map<string, Grant[]> {
  const grants = new Map<string, Grant[]>();
  for (const statement of statements) {
    for (const resource of resourcesOf(statement)) {
      const key = describeResource(resource, tableId);
      // The table's stream (stream consumers' event source mapping) is not the table.
      if (key !== 'table' && !key.startsWith('index/')) continue;
      const grant: Grant = { actions: [...actionsOf(statement)].sort().join(','), ...(statement.Condition && { condition: statement.Condition }) };
      grants.set(key, [...(grants.get(key) ?? []), grant]);
    }
  }
  return grants;
}

const leading = (patterns: readonly string[]) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...patterns] } });

const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const READ_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query'];
const TABLE_WRITE = [...READ_ACTIONS, 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'].sort();

/** The public routes that touch the table: item 6 names them first. */

/** Every function of the default stack with the access it was bound with. */
function declaredAccess(): { fnId: string; access: Access }[] {
  return [
    ...routeList.map((route) => ({ fnId: `Route${pascal(route.id)}`, access: routeAccess(route) })),
    ...consumers.map((consumer) => ({ fnId: `Consumer${pascal(consumer.id)}`, access: consumer.access })),
    ...streamConsumers.map((consumer) => ({ fnId: `StreamConsumer${pascal(consumer.id)}`, access: consumer.access })),
    ...schedules.map((schedule) => ({ fnId: `Schedule${pascal(schedule.id)}`, access: schedule.access })),
    { fnId: 'SeedAdminFunction', access: SEED_ADMIN_ACCESS },
  ];
}

/** Source files (not tests or benchmarks) under a directory. */
function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(dir, file));
}

describe('least privilege on the table (issue 9, item 6)', () => {
  let stack: OrderManagementStack;
  let template: Template;
  let tableId: string;

  beforeAll(() => {
    ({ stack, template } = defaultStack());
    tableId = logicalId(stack.table);
  });

  const fnOf = (id: string): AppFunction => {
    const fn = stack.functions.get(id);
    if (!fn) throw new Error(`no function ${id}`);
    return fn;
  };

  describe('no BatchWriteItem', () => {
    it('the functions code never sends a BatchWriteItem (shared/, functions/)', () => {
      const users = [...sourceFiles('shared'), ...sourceFiles('functions')].filter((file) =>
        /BatchWrite(Item)?Command|BatchWriteItem/.test(readFileSync(path.join(repoRoot, file), 'utf8')),
      );
      // If this changes, grant dynamodb:BatchWriteItem to the functions that load that module only.
      expect(users).toEqual([]);
    });

    it('so no policy in the stack allows it', () => {
      const statements = allStatements(template).filter((s) => actionsOf(s).some((a) => a === 'dynamodb:BatchWriteItem' || a === 'dynamodb:*'));
      expect(statements).toEqual([]);
    });
  });

  describe('indexes are read with Query only', () => {
    it('no statement mixes index ARNs with anything but dynamodb:Query', () => {
      const indexStatements = dynamoStatements(allStatements(template)).filter((s) =>
        resourcesOf(s).some((r) => describeResource(r, tableId).startsWith('index/')),
      );
      expect(indexStatements.length).toBeGreaterThan(0);
      for (const statement of indexStatements) {
        expect(actionsOf(statement)).toEqual(['dynamodb:Query']);
        expect(resourcesOf(statement).every((r) => describeResource(r, tableId).startsWith('index/'))).toBe(true);
      }
    });

    it('every other table statement names the table ARN alone (no write on <table>/index/*)', () => {
      const tableStatements = dynamoStatements(allStatements(template)).filter((s) =>
        actionsOf(s).some((a) => WRITE_ACTIONS.includes(a) || (READ_ACTIONS.includes(a) && a !== 'dynamodb:Query')),
      );
      expect(tableStatements.length).toBeGreaterThan(0);
      for (const statement of tableStatements) {
        expect(resourcesOf(statement).map((r) => describeResource(r, tableId))).toEqual(['table']);
      }
    });
  });

  describe('LeadingKeys conditions', () => {
    it('each public route that uses the table declares its partition keys', () => {
      for (const id of PUBLIC_TABLE_ROUTES) {
        const route: RouteDefinition = routes[id];
        expect(route.auth, id).toBe('public');
        const table = route.access.table;
        expect(typeof table === 'object' && table.keys.length > 0, `${id} declares keys`).toBe(true);
      }
      // Public routes not listed above touch no table.
      for (const route of routeList.filter((r) => r.auth === 'public' && !(PUBLIC_TABLE_ROUTES as readonly string[]).includes(r.id))) {
        expect(route.access.table, route.id).toBeUndefined();
      }
    });

    it('a function with declared keys gets exactly them on the table, and Query on its declared indexes only', () => {
      const keyed = declaredAccess().filter(({ access }) => access.table && typeof access.table === 'object');
      for (const { fnId, access } of keyed) {
        const declared = tableAccessOf(access.table!);
        const grants = grantsByResource(dynamoStatements(statementsOf(template, fnOf(fnId))), tableId);
        const expected = new Map<string, Grant[]>([
          ['table', [{ actions: (declared.mode === 'write' ? TABLE_WRITE : READ_ACTIONS).join(','), condition: leading(declared.keys!) }]],
          ...Object.entries(declared.indexKeys ?? {}).map(([name, patterns]): [string, Grant[]] => [`index/${name}`, [{ actions: 'dynamodb:Query', condition: leading(patterns!) }]]),
        ]);
        expect(Object.fromEntries(grants), fnId).toEqual(Object.fromEntries(expected));
      }
    });

    it('every public route, the catalogue reads, the seed and the auth, profile, user, contact, cart, order, payment, shipment, analytics and product admin routes are keyed', () => {
      const keyed = new Set(declaredAccess().filter(({ access }) => typeof access.table === 'object').map(({ fnId }) => fnId));
      const expected = KEYED_ROUTES.map((id) => `Route${pascal(id)}`);
      for (const fnId of [...expected, 'SeedAdminFunction']) expect(keyed.has(fnId), fnId).toBe(true);
      expect(keyed.size).toBeGreaterThanOrEqual(expected.length + 1);
    });

    it('routes that authenticate also get the keys the pipeline reads (user, denial record, session family)', () => {
      for (const route of routeList.filter((r) => r.auth !== 'public' && typeof r.access.table === 'object')) {
        const keys = tableAccessOf(routeAccess(route).table!).keys!;
        expect(keys, route.id).toEqual(expect.arrayContaining([...AUTHENTICATION_KEYS]));
        expect(new Set(keys).size, `${route.id}: no duplicates`).toBe(keys.length);
      }
    });

    it('public routes get no authentication keys they do not use (login reads no denial record)', () => {
      const login = tableAccessOf(routeAccess(routes.login).table!);
      expect(login.keys).not.toContain('REVOKED#*');
      const contact = tableAccessOf(routeAccess(routes.createContactMessage).table!);
      expect([...contact.keys!].sort()).toEqual(['CONTACT#*', 'RATE#*']);
    });

    it('functions without declared keys keep an unconditioned grant (documented gap), with Query only on index/*', () => {
      const plain = declaredAccess().filter(({ access }) => typeof access.table === 'string');
      expect(plain.length).toBeGreaterThan(0);
      for (const { fnId, access } of plain) {
        const grants = grantsByResource(dynamoStatements(statementsOf(template, fnOf(fnId))), tableId);
        expect(Object.fromEntries(grants), fnId).toEqual({
          table: [{ actions: (access.table === 'write' ? TABLE_WRITE : READ_ACTIONS).join(',') }],
          'index/*': [{ actions: 'dynamodb:Query' }],
        });
      }
    });
  });

  describe('the mechanism, with a custom route list', () => {
    const handler = 'functions/service/health.ts'; // any existing file: bundling is skipped
    const route = (id: string, access: Access, auth: RouteDefinition['auth'] = 'public'): RouteDefinition & { id: string } => ({
      id, method: 'GET', path: `/${id}`, handler, auth, access, summary: id, tag: 'Test', schemas: { response: { status: 200 } },
    });

    it('turns keys and index keys into conditions; a keyed route without indexes gets no index access', () => {
      const { stack, template } = synthStack('LeastPrivilegeMechanism', {
        consumers: [],
        schedules: [],
        routes: [
          route('plain', { table: 'write' }),
          route('keyed', { table: { mode: 'write', keys: ['A#*'] } }),
          route('indexed', { table: { mode: 'read', keys: ['B#?'], indexKeys: { gsi2: ['C#*', 'D'] } } }, 'user'),
        ],
      });
      const table = logicalId(stack.table);
      const grants = (id: string) => Object.fromEntries(grantsByResource(dynamoStatements(statementsOf(template, stack.functions.get(`Route${pascal(id)}`)!)), table));
      expect(grants('plain')).toEqual({ table: [{ actions: TABLE_WRITE.join(',') }], 'index/*': [{ actions: 'dynamodb:Query' }] });
      expect(grants('keyed')).toEqual({ table: [{ actions: TABLE_WRITE.join(','), condition: leading(['A#*']) }] });
      expect(grants('indexed')).toEqual({
        table: [{ actions: READ_ACTIONS.join(','), condition: leading(['B#?', ...AUTHENTICATION_KEYS]) }],
        'index/gsi2': [{ actions: 'dynamodb:Query', condition: leading(['C#*', 'D']) }],
      });
    });

    it('refuses a table access with no key patterns at all', () => {
      expect(() => synthStack('LeastPrivilegeEmpty', { consumers: [], schedules: [], routes: [route('empty', { table: { mode: 'read', keys: [] } })] })).toThrow(
        /at least one key pattern/,
      );
    });
  });
});
