/**
 * Product images infrastructure: a private, encrypted, TLS-only bucket that browsers may PUT
 * to (CORS), read publicly only through CloudFront with Origin Access Control, and an IAM
 * surface of exactly one action on one prefix for exactly the image-upload function.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppFunction } from '../../infra/app-function.js';
import type { OrderManagementStack, OrderManagementStackProps } from '../../infra/stack.js';
import { defaultStack, logicalId, synthStack } from '../support/synth-stack.js';

const build = (overrides: Partial<OrderManagementStackProps> = {}) => synthStack('Images', overrides);

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
const actions = (statement: Statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

function roleStatements(template: Template, fn: AppFunction): Statement[] {
  const roleId = logicalId(fn.role as never);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const envOf = (template: Template, fn: AppFunction) =>
  template.toJSON().Resources[logicalId(fn)].Properties.Environment.Variables as Record<string, unknown>;

describe('product images infrastructure', () => {
  let stack: OrderManagementStack;
  let template: Template;
  let bucketId: string;
  let distributionId: string;
  let bucketPolicy: Statement[];

  beforeAll(() => {
    ({ stack, template } = defaultStack());
    bucketId = logicalId(stack.imagesBucket);
    distributionId = logicalId(stack.imagesDistribution!);
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy')).filter(
      (policy) => policy.Properties.Bucket.Ref === bucketId,
    );
    expect(policies).toHaveLength(1);
    bucketPolicy = policies[0]!.Properties.PolicyDocument.Statement as Statement[];
  });

  describe('bucket', () => {
    it('is private: all public access blocked, objects owned by the bucket owner (no ACLs)', () => {
      template.resourceCountIs('AWS::S3::Bucket', 1);
      const props = template.toJSON().Resources[bucketId].Properties;
      expect(props.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(props.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      expect(props.WebsiteConfiguration).toBeUndefined();
    });

    it('is encrypted with S3-managed keys and retained with the stack', () => {
      template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
        }),
        DeletionPolicy: 'Retain',
      });
    });

    it('refuses plain HTTP and TLS < 1.2 for everyone', () => {
      const denies = bucketPolicy.filter((s) => s.Effect === 'Deny');
      expect(denies).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          expect.objectContaining({ Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      );
    });

    it('lets browsers PUT from the app origins with a Content-Type header, and nothing else', () => {
      const { CorsConfiguration } = template.toJSON().Resources[bucketId].Properties;
      expect(CorsConfiguration).toEqual({
        CorsRules: [
          { AllowedMethods: ['PUT'], AllowedOrigins: ['https://shop.example.com'], AllowedHeaders: ['content-type'], MaxAge: 3000 },
        ],
      });
      const custom = build({ routes: [], consumers: [], schedules: [], corsAllowedOrigins: ['https://a.example', 'https://b.example'] });
      custom.template.hasResourceProperties('AWS::S3::Bucket', {
        CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedOrigins: ['https://a.example', 'https://b.example'] })] },
      });
    });

    it('grants reads to this CloudFront distribution only, for products/* only, and to nobody else', () => {
      const allows = bucketPolicy.filter((s) => s.Effect === 'Allow');
      expect(allows).toHaveLength(1);
      const [allow] = allows;
      expect(allow!.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
      expect(actions(allow!)).toEqual(['s3:GetObject']);
      expect(allow!.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/products/*']] });
      expect(JSON.stringify(allow!.Condition)).toContain('AWS:SourceArn');
      expect(JSON.stringify(allow!.Condition)).toContain(`"Ref":"${distributionId}"`);
    });
  });

  describe('distribution', () => {
    it('reads the bucket through Origin Access Control (SigV4 always), not an OAI or a public endpoint', () => {
      template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
      template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
      const [oacId, oac] = Object.entries(template.findResources('AWS::CloudFront::OriginAccessControl'))[0]!;
      expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      });
      const config = template.toJSON().Resources[distributionId].Properties.DistributionConfig;
      expect(config.Origins).toHaveLength(1);
      expect(config.Origins[0]).toMatchObject({
        DomainName: { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] },
        OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
      });
    });

    it('serves GET/HEAD only, redirects HTTP to HTTPS, sends nosniff', () => {
      const config = template.toJSON().Resources[distributionId].Properties.DistributionConfig;
      expect(config.Enabled).toBe(true);
      expect(config.DefaultCacheBehavior).toMatchObject({
        AllowedMethods: ['GET', 'HEAD'],
        ViewerProtocolPolicy: 'redirect-to-https',
      });
      expect(config.CacheBehaviors).toBeUndefined();
      template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
        ResponseHeadersPolicyConfig: Match.objectLike({
          SecurityHeadersConfig: Match.objectLike({ ContentTypeOptions: { Override: true } }),
        }),
      });
    });

    it('is the public image URL: stack output ImagesUrl', () => {
      const output = template.toJSON().Outputs.ImagesUrl;
      expect(output.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] });
    });
  });

  describe('IAM and environment', () => {
    it('the image-upload function may s3:PutObject on products/* and do nothing else with S3', () => {
      const fn = stack.functions.get('RouteCreateProductImageUpload')!;
      expect(fn).toBeDefined();
      const s3Statements = roleStatements(template, fn).filter((s) => actions(s).some((a) => a.startsWith('s3:')));
      expect(s3Statements).toEqual([
        {
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/products/*']] },
        },
      ]);
      const env = envOf(template, fn);
      expect(env.IMAGES_BUCKET).toEqual({ Ref: bucketId });
      expect(env.IMAGES_PUBLIC_URL).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] });
    });

    it('no other function has any S3 permission or the image settings', () => {
      let others = 0;
      for (const [id, fn] of stack.functions) {
        if (id === 'RouteCreateProductImageUpload') continue;
        others += 1;
        const s3Actions = roleStatements(template, fn).flatMap(actions).filter((a) => /^s3:/i.test(a));
        expect(s3Actions, id).toEqual([]);
        const env = envOf(template, fn);
        expect(env.IMAGES_BUCKET, id).toBeUndefined();
        expect(env.IMAGES_PUBLIC_URL, id).toBeUndefined();
      }
      expect(others).toBeGreaterThan(10);
    });

    it('no policy anywhere in the stack mentions the bucket except the uploader role and the bucket policy', () => {
      const policies = template.findResources('AWS::IAM::Policy');
      const uploaderRole = logicalId(stack.functions.get('RouteCreateProductImageUpload')!.role as never);
      const mentioning = Object.values(policies)
        .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes(bucketId))
        .map((policy) => (policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref));
      expect(mentioning).toEqual([[uploaderRole]]);
    });
  });
});
