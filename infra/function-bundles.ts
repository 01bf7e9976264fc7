/**
 * One esbuild run for all functions of an app, instead of one run per function.
 *
 * `NodejsFunction` bundles each function with its own esbuild process; with ~50 functions
 * that re-parses the AWS SDK ~50 times and made `cdk synth` take minutes on 2 cores. Here the
 * stack registers every handler file up front (`FunctionBundles.of(scope).register(...)`);
 * the first function asset that needs its code triggers ONE esbuild build with all
 * registered entry points (same options as before, `esbuildOptionsForAll`; no code
 * splitting, so every `index.mjs` is self-contained and byte-identical to a per-function
 * build), and each function's asset copies its own `index.mjs` + `index.mjs.map` out of it.
 *
 * It plugs into CDK as a local bundler (`Code.fromAsset(..., { bundling: { local } })`), so
 * CDK's rules stay: stacks excluded from bundling (`aws:cdk:bundling-stacks`, e.g. in the
 * infra tests or `cdk deploy OtherStack`) build nothing, and assets are hashed by output.
 * A handler that was not registered still works: it is built on its own (slower).
 *
 * It also knows which first-party modules each handler loads (`modulesLoadedBy`, from one
 * esbuild pass over the app's own sources with packages external, ~1 s, bundling or not):
 * bindAccess gives a function a secret exactly when its code reads that secret.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DockerImage, Stage, type BundlingOptions, type ILocalBundling } from 'aws-cdk-lib';
import { buildSync } from 'esbuild';
import type { IConstruct } from 'constructs';
import { esbuildOptionsForAll, repoRoot } from './app-function.js';

/** `functions/auth/login.ts` → `functions-auth-login` (an output directory name). */
const keyOf = (handlerFile: string): string =>
  path.posix.normalize(handlerFile.split(path.sep).join('/')).replace(/\.[cm]?[jt]sx?$/, '').replace(/[^A-Za-z0-9_-]+/g, '-');

/** First-party module → the first-party modules it imports; shared by every app of the process. */
const importGraph = new Map<string, { static: string[]; dynamic: string[] }>();

export class FunctionBundles {
  private static readonly byApp = new WeakMap<IConstruct, FunctionBundles>();

  /** The bundles of the app (root construct) that `scope` belongs to. */
  static of(scope: IConstruct): FunctionBundles {
    const root = scope.node.root;
    let bundles = FunctionBundles.byApp.get(root);
    if (!bundles) {
      bundles = new FunctionBundles(Stage.of(scope)?.outdir);
      FunctionBundles.byApp.set(root, bundles);
    }
    return bundles;
  }

  /** Handler files (relative to the repository root) waiting for the next build. */
  private readonly pending = new Set<string>();
  /** Every handler announced, for the module-graph pass. */
  private readonly registered = new Set<string>();
  /** Handler file → directory holding its built `index.mjs` (+ map). */
  private readonly built = new Map<string, string>();
  /** Number of esbuild runs so far (tests assert on it). */
  builds = 0;

  private constructor(private readonly assemblyOutdir: string | undefined) {}

  /** Announces handlers so that the first build includes them all. */
  register(handlerFiles: Iterable<string>): void {
    for (const file of handlerFiles) {
      this.registered.add(file);
      if (!this.built.has(file)) this.pending.add(file);
    }
  }

  /**
   * First-party modules (repository-relative paths, e.g. `shared/auth/keys.ts`) that are
   * loaded when `file` is loaded: its static imports, transitively (what runs at init for a
   * handler). `dynamic: true` also follows `await import()`, i.e. everything that may load.
   * One esbuild pass over all registered handlers (packages external, nothing written),
   * cached for the process: sources do not change during a synth.
   */
  modulesLoadedBy(file: string, options: { dynamic?: boolean } = {}): ReadonlySet<string> {
    if (!importGraph.has(file)) this.analyse([...this.registered, file]);
    const seen = new Set<string>();
    const pending = [file];
    while (pending.length > 0) {
      const next = pending.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      const edges = importGraph.get(next);
      if (!edges) throw new Error(`module graph: ${next} was not analysed`);
      pending.push(...edges.static, ...(options.dynamic ? edges.dynamic : []));
    }
    return seen;
  }

  private analyse(files: readonly string[]): void {
    const entries = [...new Set(files)].filter((file) => !importGraph.has(file));
    const { metafile } = buildSync({
      entryPoints: entries.map((file) => path.join(repoRoot, file)),
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node22',
      write: false,
      metafile: true,
      outdir: path.join(repoRoot, 'cdk.out', 'module-graph'),
      absWorkingDir: repoRoot,
      logLevel: 'error',
    });
    for (const [input, { imports }] of Object.entries(metafile.inputs)) {
      const firstParty = imports.filter((i) => !i.external && !i.path.includes('node_modules/'));
      importGraph.set(input, {
        static: firstParty.filter((i) => i.kind !== 'dynamic-import').map((i) => i.path),
        dynamic: firstParty.filter((i) => i.kind === 'dynamic-import').map((i) => i.path),
      });
    }
  }

  /**
   * CDK bundling options for one function's asset: a local bundler that copies the
   * function's files out of the shared build. The Docker image is never used.
   */
  bundlingFor(handlerFile: string): BundlingOptions {
    this.register([handlerFile]);
    return {
      image: DockerImage.fromRegistry('dummy'),
      // Part of CDK's asset cache key: keeps two functions' assets apart.
      command: ['app-function-bundle', handlerFile],
      local: new SharedBuildBundler(this, handlerFile),
    };
  }

  /** Copies the bundle of `handlerFile` into `outputDir`, building first if needed. */
  copyTo(handlerFile: string, outputDir: string): void {
    if (!this.built.has(handlerFile)) this.buildPending();
    const dir = this.built.get(handlerFile)!;
    for (const file of readdirSync(dir)) copyFileSync(path.join(dir, file), path.join(outputDir, file));
  }

  /** Builds every pending handler in one esbuild run. */
  private buildPending(): void {
    const files = [...this.pending];
    this.pending.clear();
    // Each bundle lands one directory below the assembly (cdk.out/<dir>/index.mjs), like
    // CDK's own bundling-temp-* directories, so the relative paths in the source maps (and
    // thus the assets) are the same as with per-function bundling.
    const outdir = this.assemblyOutdir ?? path.join(repoRoot, 'cdk.out');
    const prefix = `app-bundle-${process.pid}-${this.builds}-`;
    const entries = Object.fromEntries(files.map((file) => [`${prefix}${keyOf(file)}`, path.join(repoRoot, file)]));
    mkdirSync(outdir, { recursive: true });
    const dirs = Object.keys(entries).map((dir) => path.join(outdir, dir));
    process.once('exit', () => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
    const started = performance.now();
    buildSync({ ...esbuildOptionsForAll(entries, outdir), absWorkingDir: repoRoot, logLevel: 'warning' });
    this.builds += 1;
    files.forEach((file, i) => this.built.set(file, dirs[i]!));
    process.stderr.write(
      `Bundled ${files.length} function${files.length === 1 ? '' : 's'} in one esbuild run (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
    );
  }
}

/** CDK `ILocalBundling` that serves one function from the shared build. */
class SharedBuildBundler implements ILocalBundling {
  /** Private (not enumerable): CDK hashes the bundling options into its asset cache key. */
  readonly #bundles: FunctionBundles;

  constructor(
    bundles: FunctionBundles,
    /** Enumerable on purpose: part of that cache key. */
    readonly handlerFile: string,
  ) {
    this.#bundles = bundles;
  }

  tryBundle(outputDir: string): boolean {
    this.#bundles.copyTo(this.handlerFile, outputDir);
    return true;
  }
}
