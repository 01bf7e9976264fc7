/**
 * SES for the shop's emails: the sender identity, and a configuration set every send names
 * (SES_CONFIGURATION_SET, shared/emails/send-email.ts) that
 * - suppresses addresses that bounced or complained (SES's account suppression list, applied
 *   per configuration set), so the shop stops mailing them;
 * - publishes send, delivery, bounce, complaint and reject events to CloudWatch (namespace
 *   AWS/SES, dimension `ses:configuration-set`), where infra/observability.ts alarms on the
 *   bounce and complaint rates.
 */
import { CfnOutput, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { senderAddress } from './app-function.js';

export interface EmailSendingProps {
  /** Sender (`shop@example.com` or `Shop <shop@example.com>`). */
  readonly emailFrom: string;
  /**
   * Verify this domain (Easy DKIM: three CNAME records, output `SesDkimRecords`) instead of
   * the sender's address. The sender's address must be in it (or a subdomain of it).
   */
  readonly sesDomain?: string | undefined;
}

/** The CloudWatch dimension SES fills with the configuration set's name (an SES auto-tag). */
export const SES_CONFIGURATION_SET_DIMENSION = 'ses:configuration-set';

/** Events published to CloudWatch: SEND is the denominator of the bounce and complaint rates. */
export const SES_PUBLISHED_EVENTS = [
  ses.EmailSendingEvent.SEND,
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.REJECT,
] as const;

export class EmailSending extends Construct {
  readonly identity: ses.EmailIdentity;
  readonly configurationSet: ses.ConfigurationSet;
  /** `arn:…:configuration-set/<name>`: SES authorizes SendEmail on it as well as on the identity. */
  readonly configurationSetArn: string;
  readonly sender: string;

  constructor(scope: Construct, id: string, props: EmailSendingProps) {
    super(scope, id);
    this.sender = senderAddress(props.emailFrom);
    const senderDomain = this.sender.split('@')[1]?.toLowerCase() ?? '';
    const domain = props.sesDomain?.trim().toLowerCase();
    if (domain && senderDomain !== domain && !senderDomain.endsWith(`.${domain}`)) {
      throw new Error(`sesDomain ${domain} does not cover the sender ${this.sender} (emailFrom): use an address of that domain`);
    }

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      // Bounced or complaining recipients are not mailed again (SES answers the send, counts
      // it, and drops the message): a password reset to a dead address costs no reputation.
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      // SES's own rolling bounce/complaint rates for this set (Reputation.* metrics).
      reputationMetrics: true,
      sendingEnabled: true,
    });
    this.configurationSet.addEventDestination('CloudWatch', {
      destination: ses.EventDestination.cloudWatchDimensions([
        {
          name: SES_CONFIGURATION_SET_DIMENSION,
          source: ses.CloudWatchDimensionSource.MESSAGE_TAG,
          defaultValue: this.configurationSet.configurationSetName,
        },
      ]),
      events: [...SES_PUBLISHED_EVENTS],
    });

    this.identity = new ses.EmailIdentity(this, 'Identity', {
      identity: domain ? ses.Identity.domain(domain) : ses.Identity.email(this.sender),
      // Easy DKIM (2048-bit) for a domain; an address identity is signed by SES's domain.
      ...(domain && { dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT) }),
      // Sends that name no configuration set (e.g. from the console) still use this one.
      configurationSet: this.configurationSet,
    });

    this.configurationSetArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });

    new CfnOutput(Stack.of(this), 'SesConfigurationSet', {
      description: 'SES configuration set every email is sent with',
      value: this.configurationSet.configurationSetName,
    });
    if (domain) {
      new CfnOutput(Stack.of(this), 'SesDkimRecords', {
        description: `CNAME records to add to the DNS of ${domain} (Easy DKIM), "name value" separated by ";"`,
        value: Fn.join(
          '; ',
          this.identity.dkimRecords.map((record) => Fn.join(' ', [record.name, record.value])),
        ),
      });
    }
  }

  /**
   * `fn` sends with the configuration set: SES_CONFIGURATION_SET, and ses:SendEmail on the
   * set's ARN for the sender only (the identity grant comes from bindAccess, `sendEmail`).
   */
  grantSend(fn: lambda.Function): void {
    fn.addEnvironment('SES_CONFIGURATION_SET', this.configurationSet.configurationSetName);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [this.configurationSetArn],
        conditions: { StringEquals: { 'ses:FromAddress': this.sender } },
      }),
    );
  }
}
