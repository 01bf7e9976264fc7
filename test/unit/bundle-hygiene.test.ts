import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const sources = (dir: string): string[] =>
  readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));

describe('bundle hygiene (code that ships in Lambda bundles)', () => {
  it("imports zod as a namespace: `import { z } from 'zod'` pulls every zod locale into each bundle (+348 KiB, measured by npm run bench)", () => {
    const offenders = [...sources('shared'), ...sources('functions'), ...sources('infra')].filter((file) =>
      /^import\s+\{[^}]*\}\s+from\s+'zod';/m.test(readFileSync(file, 'utf8')),
    );
    expect(offenders.map((file) => path.relative(root, file))).toEqual([]);
  });
});
