/**
 * `npm run bench`: bundle size and cold import time of every Lambda.
 *
 * Each route, consumer and schedule handler (plus the admin-seed custom resource and a
 * GetItem-only floor) is bundled with esbuild exactly as CDK bundles it (the options come
 * from `esbuildOptionsFor` in infra/app-function.ts), into bench/out/<function>/index.mjs.
 * Then a fresh Node 22 process imports each bundle, RUNS times, interleaved across bundles:
 * the runner times the dynamic `import()` with performance.now(), the parent times the whole
 * process. Medians are printed, then issue 13's targets as ratios to the floor of the same run
 * ("non-Stripe" leaves out the two Stripe SDK functions and docsAsset, whose bundle is mostly
 * the API explorer's browser script served as text), then what the median function carries
 * above the floor per package, and finally the biggest bundle broken down by package.
 *
 * Informational only: no thresholds, no timed assertions. Exits 0 unless a bundle fails to
 * build or to import.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { build, version as esbuildVersion, type Metafile } from 'esbuild';
import { esbuildOptionsFor, repoRoot } from '../infra/app-function.js';
import { consumers } from '../infra/consumers.js';
import { routeList } from '../infra/routes.js';
import { schedules } from '../infra/schedules.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const outRoot = path.join(repoRoot, 'bench', 'out');

interface Entry {
  readonly name: string;
  readonly kind: 'route' | 'consumer' | 'schedule' | 'custom-res' | 'floor';
  readonly handler: string;
}

const entries: Entry[] = [
  ...routeList.map((r) => ({ name: r.id, kind: 'route' as const, handler: r.handler })),
  ...consumers.map((c) => ({ name: c.id, kind: 'consumer' as const, handler: c.handler })),
  ...schedules.map((s) => ({ name: s.id, kind: 'schedule' as const, handler: s.handler })),
  // Also an AppFunction (infra/stack.ts), invoked by CloudFormation rather than a route.
  { name: 'seedAdmin', kind: 'custom-res' as const, handler: 'functions/service/seed-admin.ts' },
  { name: 'FLOOR getItem', kind: 'floor' as const, handler: 'bench/fixtures/get-item-floor.ts' },
].filter((e) => existsSync(path.join(repoRoot, e.handler)));

/**
 * What handlers read at import time (readEnv fails fast without them), plus dummy
 * credentials so the SDK never goes looking. NODE_OPTIONS matches what AppFunction sets on
 * every function; the "no maps" column drops it to show what --enable-source-maps costs.
 */
const baseEnv: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  TABLE_NAME: 'bench-table',
  ORDER_EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/000000000000/order-events',
  IMAGES_BUCKET: 'bench-images',
  IMAGES_PUBLIC_URL: 'https://images.example.com',
  JWT_SECRET: 'bench-jwt-secret-bench-jwt-secret-0123456789',
  JWT_ISSUER: 'order-management',
  JWT_AUDIENCE: 'order-management',
  EMAIL_FROM: 'shop@example.com',
  ADMIN_EMAIL: 'admin@example.com',
  ADMIN_PASSWORD: 'bench-admin-password',
  APP_BASE_URL: 'https://shop.example.com',
  CORS_ALLOWED_ORIGINS: 'https://shop.example.com',
  POWERTOOLS_SERVICE_NAME: 'order-management',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};
const modes = {
  deployed: { ...baseEnv, NODE_OPTIONS: '--enable-source-maps' },
  noMaps: baseEnv,
} as const;
type Mode = keyof typeof modes;

/** Lambda runs Node 22: use this process's node if it is 22, else the `node` npm package's. */
function findNode22(): string {
  if (process.versions.node.startsWith('22.')) return process.execPath;
  const local = path.join(repoRoot, 'node_modules', 'node', 'bin', 'node');
  const v = existsSync(local) ? spawnSync(local, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
  if (v.startsWith('v22.')) return local;
  console.warn(`warning: no Node 22 found, timing with ${process.version} (${process.execPath})`);
  return process.execPath;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const outDirOf = (e: Entry) => path.join(outRoot, e.name.replace(/[^A-Za-z0-9_-]+/g, '-'));

interface Built {
  readonly entry: Entry;
  readonly file?: string;
  readonly metafile?: Metafile;
  readonly error?: string;
}

async function bundle(entry: Entry): Promise<Built> {
  const options = esbuildOptionsFor(path.join(repoRoot, entry.handler), outDirOf(entry));
  try {
    // metafile and logLevel only add a report / silence warnings; the output is unchanged.
    const result = await build({ ...options, absWorkingDir: repoRoot, metafile: true, logLevel: 'silent' });
    writeFileSync(path.join(outDirOf(entry), 'meta.json'), JSON.stringify(result.metafile));
    return { entry, file: options.outfile, metafile: result.metafile };
  } catch (error) {
    return { entry, error: error instanceof Error ? error.message : String(error) };
  }
}

interface Sample {
  importMs: number;
  wallMs: number;
}

function importOnce(node: string, runner: string, file: string, mode: Mode): Sample | string {
  const started = process.hrtime.bigint();
  const child = spawnSync(node, [runner, pathToFileURL(file).href], {
    env: modes[mode],
    encoding: 'utf8',
    timeout: 30_000,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) {
    return (child.error?.message ?? child.stderr.trim().split('\n').slice(0, 3).join(' | ')) || `exit ${child.status}`;
  }
  const { importMs } = JSON.parse(child.stdout) as { importMs: number };
  return { importMs, wallMs };
}

/** Bytes in the output per package (node_modules) or first-party folder. */
function byPackage(meta: Metafile, outfile: string): { name: string; bytes: number; files: number }[] {
  const rel = path.relative(repoRoot, outfile).split(path.sep).join('/');
  const output = meta.outputs[rel];
  if (!output) return [];
  const groups = new Map<string, { bytes: number; files: number }>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const nm = input.lastIndexOf('node_modules/');
    let name: string;
    if (nm >= 0) {
      const parts = input.slice(nm + 'node_modules/'.length).split('/');
      name = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    } else {
      const parts = input.split('/');
      name = `(app) ${parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]}`;
    }
    const g = groups.get(name) ?? { bytes: 0, files: 0 };
    g.bytes += bytesInOutput;
    g.files += 1;
    groups.set(name, g);
  }
  return [...groups].map(([name, g]) => ({ name, ...g })).sort((a, b) => b.bytes - a.bytes);
}

/** Bytes in the output per folder inside one package, to see what of it is bundled. */
function byFolder(meta: Metafile, outfile: string, pkg: string): { name: string; bytes: number; files: number }[] {
  const output = meta.outputs[path.relative(repoRoot, outfile).split(path.sep).join('/')];
  const groups = new Map<string, { bytes: number; files: number }>();
  const marker = `node_modules/${pkg}/`;
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const at = input.lastIndexOf(marker);
    if (at < 0 || pkg.startsWith('(app)')) continue;
    const name = path.posix.dirname(input.slice(at + marker.length));
    const g = groups.get(name) ?? { bytes: 0, files: 0 };
    g.bytes += bytesInOutput;
    g.files += 1;
    groups.set(name, g);
  }
  return [...groups].map(([name, g]) => ({ name, ...g })).sort((a, b) => b.bytes - a.bytes);
}

const kib = (bytes: number) => (bytes / 1024).toFixed(1);
const ms = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));

function printTable(header: string[], rows: string[][], rightAlign: (i: number) => boolean): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (rightAlign(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  const t0 = performance.now();
  rmSync(outRoot, { recursive: true, force: true });
  mkdirSync(outRoot, { recursive: true });
  const node = findNode22();
  const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();

  const built = await Promise.all(entries.map(bundle));
  const buildSeconds = (performance.now() - t0) / 1000;

  const runner = path.join(outRoot, 'runner.mjs');
  writeFileSync(
    runner,
    [
      '// Written by bench/bundle-size.ts: time one cold import of the bundle given as a file URL.',
      'const t0 = performance.now();',
      'await import(process.argv[2]);',
      'const t1 = performance.now();',
      'process.stdout.write(JSON.stringify({ importMs: t1 - t0, sinceStartMs: t1 }));',
      'process.exit(0);',
      '',
    ].join('\n'),
  );

  const samples = new Map<Entry, Record<Mode, Sample[]>>();
  const failures = new Map<Entry, string>();
  for (const b of built) {
    if (b.error) failures.set(b.entry, `build: ${b.error.split('\n')[0]}`);
    else samples.set(b.entry, { deployed: [], noMaps: [] });
  }
  const ok = built.filter((b) => b.file && !failures.has(b.entry));
  // Round 0 warms the page cache and is discarded; then RUNS rounds, interleaved so drift
  // (thermal, noisy neighbours) spreads evenly over all bundles.
  for (let round = 0; round <= RUNS; round++) {
    for (const b of ok) {
      if (failures.has(b.entry)) continue;
      for (const mode of Object.keys(modes) as Mode[]) {
        const s = importOnce(node, runner, b.file!, mode);
        if (typeof s === 'string') failures.set(b.entry, `import (${mode}): ${s}`);
        else if (round > 0) samples.get(b.entry)![mode].push(s);
      }
    }
  }

  console.log(
    `\nBundles: esbuild ${esbuildVersion}, options from infra/app-function.ts esbuildOptionsFor ` +
      `(ESM, node22, minify, linked source map, SDK bundled) -> bench/out/<function>/index.mjs`,
  );
  console.log(
    `Cold import: fresh ${nodeVersion} process per sample, median of ${RUNS} (after 1 discarded warm-up), ` +
      `env as deployed incl. NODE_OPTIONS=--enable-source-maps unless "no maps".`,
  );
  console.log(
    'KiB = minified index.mjs (no .map); ~zip = deflate of index.mjs + index.mjs.map (both ship in the asset);\n' +
      'import = performance.now() around import() in the child; wall = spawn to exit, seen by the parent.\n',
  );

  const rows = built.map((b) => {
    const e = b.entry;
    const fail = failures.get(e);
    if (!b.file || fail) return [e.name, e.kind, e.handler, 'FAILED', '-', '-', '-', '-', '-'];
    const code = readFileSync(b.file);
    const map = existsSync(`${b.file}.map`) ? readFileSync(`${b.file}.map`) : Buffer.alloc(0);
    const s = samples.get(e)!;
    return [
      e.name,
      e.kind,
      e.handler,
      kib(statSync(b.file).size),
      kib(deflateRawSync(code).length + deflateRawSync(map).length),
      ms(median(s.deployed.map((x) => x.importMs))),
      ms(median(s.deployed.map((x) => x.wallMs))),
      ms(median(s.noMaps.map((x) => x.importMs))),
      ms(median(s.noMaps.map((x) => x.wallMs))),
    ];
  });
  printTable(
    ['function', 'kind', 'handler', 'KiB', '~zip KiB', 'import ms', 'wall ms', 'import ms (no maps)', 'wall ms (no maps)'],
    rows,
    (i) => i >= 3,
  );
  for (const [e, why] of failures) console.log(`\n${e.name} FAILED: ${why}`);

  // Issue 13's targets, as ratios to the floor measured in this run: the median function's size
  // and cold import ≤ 1.3 ×, the largest function that does not bundle the Stripe SDK ≤ 1.6 ×.
  const floor = ok.find((b) => b.entry.kind === 'floor');
  const measured = ok.filter((b) => b.entry.kind !== 'floor' && !failures.has(b.entry));
  if (floor && measured.length > 0) {
    const sizeOf = (b: Built) => statSync(b.file!).size;
    const importOf = (b: Built, mode: Mode) => median(samples.get(b.entry)![mode].map((x) => x.importMs));
    const bundles = (b: Built, pkg: string) => Object.keys(b.metafile?.inputs ?? {}).some((input) => input.includes(`node_modules/${pkg}/`));
    const withStripe = (b: Built) => bundles(b, 'stripe');
    // docsAsset serves the API explorer's browser script (openapi-explorer, ~740 KiB) as text:
    // a static file inside the bundle, not code the function runs. Like the Stripe functions it
    // is named apart and not counted as "the largest function".
    const withAsset = (b: Built) => bundles(b, 'openapi-explorer/dist');
    const ratio = (n: number, d: number) => `${(n / d).toFixed(2)} ×`;
    const medianSize = median(measured.map(sizeOf));
    const medianImport = median(measured.map((b) => importOf(b, 'deployed')));
    const medianImportNoMaps = median(measured.map((b) => importOf(b, 'noMaps')));
    const noStripe = measured.filter((b) => !withStripe(b) && !withAsset(b));
    const assets = measured.filter(withAsset);
    const largest = [...noStripe].sort((a, b) => sizeOf(b) - sizeOf(a))[0]!;
    const slowest = [...noStripe].sort((a, b) => importOf(b, 'deployed') - importOf(a, 'deployed'))[0]!;
    console.log(`\nTargets (issue 13), ratios to the floor (${kib(sizeOf(floor))} KiB, import ${ms(importOf(floor, 'deployed'))} ms) in this run;`);
    console.log('"non-Stripe" leaves out the Stripe SDK\'s functions and the API explorer asset (docsAsset, shown last):');
    printTable(
      ['measure', 'value', 'ratio', 'target'],
      [
        ['median function size', `${kib(medianSize)} KiB`, ratio(medianSize, sizeOf(floor)), '≤ 1.3 ×'],
        ['median function cold import', `${ms(medianImport)} ms`, ratio(medianImport, importOf(floor, 'deployed')), '≤ 1.3 ×'],
        [`largest non-Stripe function size (${largest.entry.name})`, `${kib(sizeOf(largest))} KiB`, ratio(sizeOf(largest), sizeOf(floor)), '≤ 1.6 ×'],
        [`slowest non-Stripe cold import (${slowest.entry.name})`, `${ms(importOf(slowest, 'deployed'))} ms`, ratio(importOf(slowest, 'deployed'), importOf(floor, 'deployed')), '≤ 1.6 ×'],
        ['median cold import, --enable-source-maps ÷ without', `${ms(medianImport)} / ${ms(medianImportNoMaps)} ms`, ratio(medianImport, medianImportNoMaps), '-'],
        ...assets.map((b) => [
          `${b.entry.name} (API explorer asset): size, cold import`,
          `${kib(sizeOf(b))} KiB, ${ms(importOf(b, 'deployed'))} ms`,
          `${ratio(sizeOf(b), sizeOf(floor))}, ${ratio(importOf(b, 'deployed'), importOf(floor, 'deployed'))}`,
          '(left out)',
        ]),
      ],
      (i) => i >= 1,
    );

    // What a typical function carries above the floor: the median-size function's bytes per
    // package next to the floor's (metafile bytesInOutput), biggest difference first.
    const typical = [...measured].sort((a, b) => sizeOf(a) - sizeOf(b))[Math.floor((measured.length - 1) / 2)]!;
    const floorBytes = new Map(byPackage(floor.metafile!, floor.file!).map((g) => [g.name, g.bytes]));
    const typicalGroups = byPackage(typical.metafile!, typical.file!);
    const names = new Set([...floorBytes.keys(), ...typicalGroups.map((g) => g.name)]);
    const typicalBytes = new Map(typicalGroups.map((g) => [g.name, g.bytes]));
    const diffs = [...names]
      .map((name) => ({ name, floor: floorBytes.get(name) ?? 0, typical: typicalBytes.get(name) ?? 0 }))
      .map((d) => ({ ...d, above: d.typical - d.floor }))
      .sort((a, b) => b.above - a.above);
    const shown = diffs.filter((d) => Math.abs(d.above) >= 1024);
    const rest = diffs.filter((d) => Math.abs(d.above) < 1024).reduce((sum, d) => sum + d.above, 0);
    console.log(
      `\nMedian function ${typical.entry.name} (${typical.entry.handler}): ${kib(sizeOf(typical))} KiB against the floor's ` +
        `${kib(sizeOf(floor))}; what it carries above the floor, per package (metafile bytesInOutput):\n`,
    );
    printTable(
      ['package', 'floor KiB', `${typical.entry.name} KiB`, 'above floor KiB'],
      [
        ...shown.map((d) => [d.name, kib(d.floor), kib(d.typical), kib(d.above)]),
        [`(${diffs.length - shown.length} more, each under 1 KiB)`, '', '', kib(rest)],
      ],
      (i) => i >= 1,
    );
  }

  const biggest = built
    .filter((b) => b.file && b.metafile && !failures.has(b.entry))
    .sort((a, b) => statSync(b.file!).size - statSync(a.file!).size)[0];
  if (biggest) {
    const groups = byPackage(biggest.metafile!, biggest.file!);
    const total = groups.reduce((sum, g) => sum + g.bytes, 0);
    console.log(
      `\nBiggest bundle: ${biggest.entry.name} (${biggest.entry.handler}), ${kib(total)} KiB of input code ` +
        `in the output; top 10 packages by bytes in output (metafile bytesInOutput):\n`,
    );
    printTable(
      ['#', 'package', 'KiB', '%', 'files'],
      groups.slice(0, 10).map((g, i) => [String(i + 1), g.name, kib(g.bytes), ((100 * g.bytes) / total).toFixed(1), String(g.files)]),
      (i) => i !== 1,
    );
    const rest = groups.slice(10);
    if (rest.length) {
      const restBytes = rest.reduce((sum, g) => sum + g.bytes, 0);
      console.log(`   (${rest.length} more packages/folders: ${kib(restBytes)} KiB)`);
    }
    const top = groups[0];
    if (top) {
      const folders = byFolder(biggest.metafile!, biggest.file!, top.name).slice(0, 4);
      console.log(`\nInside #1 ${top.name}: ${folders.map((f) => `${f.name} ${kib(f.bytes)} KiB (${f.files} files)`).join(', ')}`);
    }
  }

  console.log(
    `\nDone in ${((performance.now() - t0) / 1000).toFixed(1)} s (bundling ${buildSeconds.toFixed(1)} s). ` +
      'Metafiles: bench/out/<function>/meta.json (esbuild.github.io/analyze).',
  );
  if (failures.size > 0) process.exitCode = 1;
}

await main();
