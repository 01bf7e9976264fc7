/**
 * setupFile of the `integration` project: copies what `emulators-global-setup.ts` provided
 * (SDK endpoint variables, TABLE_NAME, queue URLs, SES_STORE_URL, ...) into `process.env` before
 * the test file is imported, so every SDK client and handler module the tests import is built
 * against the emulators — through the standard AWS_ENDPOINT_URL_* variables, no code branches.
 */
import { inject } from 'vitest';
import type { EmulatorEnv } from './emulators-global-setup.js'; // also brings the ProvidedContext augmentation

const env: EmulatorEnv = inject('emulatorEnv');
Object.assign(process.env, env);
