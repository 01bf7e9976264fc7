import * as z from 'zod';

/**
 * Parses the environment with a zod schema once, at module load, and fails fast with the
 * names of the variables that are missing or wrong. Each module reads only the slice it
 * needs, so a function is never asked for configuration it doesn't use.
 */
export function readEnv<S extends z.ZodObject>(schema: S, source: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`)
      .join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return result.data;
}

export const nonEmpty = z.string().trim().min(1);
