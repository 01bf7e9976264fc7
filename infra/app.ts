/**
 * CDK app entry (`cdk.json`: `npx tsx infra/app.ts`). The stacks and their context keys are
 * in infra/define-app.ts.
 */
import { App } from 'aws-cdk-lib';
import { defineApp } from './define-app.js';

const app = new App();
defineApp(app);
