/**
 * fauxqs loads `node:sqlite` (its optional persistence), and Node 22 prints
 * "ExperimentalWarning: SQLite is an experimental feature" on every start. Drops exactly that
 * warning, nothing else; imported before fauxqs (infra/local/emulators.ts, first import).
 */
const emitWarning = process.emitWarning.bind(process);

export const isSqliteExperimentalWarning = (warning: string | Error, type?: unknown): boolean => {
  const name = typeof warning === 'string' ? (typeof type === 'string' ? type : (type as { type?: string } | undefined)?.type) : warning.name;
  const message = typeof warning === 'string' ? warning : warning.message;
  return name === 'ExperimentalWarning' && /^SQLite is an experimental feature/.test(message);
};

process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (isSqliteExperimentalWarning(warning, rest[0])) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
