/**
 * Who may assume an app's role (context `<app>Principal`, README.md "Roles"):
 *
 * - `ecs`     ECS tasks (the role is the task role). With the confused-deputy conditions ECS documents: only tasks of
 *             this account and region (aws:SourceAccount, aws:SourceArn).
 * - `ec2`     EC2 instances (through an instance profile you attach).
 * - `iot`     AWS IoT Core's credentials provider: an edge device with an X.509 certificate exchanges it for this
 *             role's temporary credentials through a role alias (what KVS documents for cameras).
 * - `account` any principal of this account that its own IAM policy lets call sts:AssumeRole on the role (CI,
 *             an operator, IAM Roles Anywhere through another role).
 * - a 12-digit account id, or an IAM ARN (`arn:aws:iam::<account>:role/…`, `…:user/…`, `…:root`).
 */
import { Aws } from 'aws-cdk-lib';
import { AccountPrincipal, AccountRootPrincipal, ArnPrincipal, ServicePrincipal, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import type { PrincipalSetting } from '../config/infra-config';

export function resolveAppPrincipal(setting: PrincipalSetting): IPrincipal {
  switch (setting) {
    case 'ecs':
      return new ServicePrincipal('ecs-tasks.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
        },
      });
    case 'ec2':
      return new ServicePrincipal('ec2.amazonaws.com');
    case 'iot':
      return new ServicePrincipal('credentials.iot.amazonaws.com');
    case 'account':
      return new AccountRootPrincipal();
    default:
      return /^\d{12}$/.test(setting) ? new AccountPrincipal(setting) : new ArnPrincipal(setting);
  }
}
