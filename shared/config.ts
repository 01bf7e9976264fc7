import * as z from 'zod';
import { configCatalogue, type ConfigName, type ConfigValues } from './config-catalogue.js';

export { nonEmpty } from './config-catalogue.js';

const describe = (issues: readonly z.core.$ZodIssue[]) => issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);

/**
 * Every variable of the catalogue that is set in `source` and invalid (each named), plus, with
 * `required`, those of these names that are missing or invalid.
 */
export function configurationProblems(source: NodeJS.ProcessEnv = process.env, required: readonly ConfigName[] = []): string[] {
  const names = (Object.keys(configCatalogue) as ConfigName[]).filter((name) => required.includes(name) || source[name] !== undefined);
  const schema = z.object(Object.fromEntries(names.map((name) => [name, configCatalogue[name]])));
  const result = schema.safeParse(Object.fromEntries(names.map((name) => [name, source[name]])));
  return result.success ? [] : describe(result.error.issues);
}

/** Throws naming every bad variable: `Invalid configuration: A: …; B: …`. */
export function checkConfiguration(source: NodeJS.ProcessEnv = process.env, required: readonly ConfigName[] = []): void {
  const problems = configurationProblems(source, required);
  if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
}

/**
 * A module's slice of the configuration, parsed once at module load with the catalogue's
 * schemas (shared/config-catalogue.ts). Fails fast; the error names every bad variable of the
 * environment, not only this slice's, so one start shows everything to fix.
 */
export function readConfig<K extends ConfigName>(names: readonly K[], source: NodeJS.ProcessEnv = process.env): ConfigValues<K> {
  const schema = z.object(Object.fromEntries(names.map((name) => [name, configCatalogue[name]])));
  const result = schema.safeParse(source);
  if (!result.success) {
    const problems = [...new Set([...describe(result.error.issues), ...configurationProblems(source)])];
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  return result.data as ConfigValues<K>;
}

/**
 * Parses the environment with a zod schema of its own (for values that are not plain
 * variables, e.g. a secret read at init); otherwise use `readConfig`. Names every problem.
 */
export function readEnv<S extends z.ZodObject>(schema: S, source: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(source);
  if (!result.success) throw new Error(`Invalid configuration: ${describe(result.error.issues).join('; ')}`);
  return result.data;
}
