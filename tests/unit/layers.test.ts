// The layer rules of .dependency-cruiser.cjs can fail: a throwaway tree with one upward arrow, one
// import of cli/ and one circle must give exactly those violations, and the real src/ none.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { cruise, type IReporterOutput } from 'dependency-cruiser';

const root = new URL('../..', import.meta.url).pathname;
const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs'));
const scratch = mkdtempSync(join(tmpdir(), 'kfc-layers-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function violations(cwd: string): Promise<string[]> {
  const here = process.cwd();
  process.chdir(cwd);
  try {
    const r: IReporterOutput = await cruise(['src'], {
      ...config.options,
      validate: true,
      ruleSet: { forbidden: config.forbidden },
    });
    if (typeof r.output === 'string') throw new Error('expected a cruise result');
    return r.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
  } finally {
    process.chdir(here);
  }
}

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, 'tree-'));
  writeFileSync(join(dir, 'tsconfig.json'), '{"compilerOptions":{"allowImportingTsExtensions":true,"noEmit":true}}');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test('an upward import, an import of cli/ and a circle are each a violation', async () => {
  const dir = tree({
    'src/catalog/model.ts': "import { x } from '../engine/docker.ts';\nexport const m = x;\n",
    'src/engine/docker.ts': 'export const x = 1;\n',
    'src/report/run.ts': "import { c } from '../cli/context.ts';\nexport const r = c;\n",
    'src/cli/context.ts': 'export const c = 1;\n',
    'src/metrics/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
    'src/metrics/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
  });
  const found = await violations(dir);
  assert.ok(found.includes('core-imports-no-shell: src/catalog/model.ts -> src/engine/docker.ts'), found.join('\n'));
  assert.ok(found.includes('no-upward-from-floor-1: src/catalog/model.ts -> src/engine/docker.ts'), found.join('\n'));
  assert.ok(found.includes('nothing-imports-cli: src/report/run.ts -> src/cli/context.ts'), found.join('\n'));
  assert.ok(found.includes('no-upward-from-floor-6: src/report/run.ts -> src/cli/context.ts'), found.join('\n'));
  assert.ok(
    found.some((v) => v.startsWith('no-circular: src/metrics/')),
    found.join('\n'),
  );
});

test('a type-only import counts', async () => {
  const dir = tree({
    'src/tags/tags.ts': "import type { M } from '../catalog/model.ts';\nexport const t = (m: M) => m;\n",
    'src/catalog/model.ts': 'export interface M { a: number }\n',
  });
  assert.deepEqual(await violations(dir), ['no-upward-from-floor-0: src/tags/tags.ts -> src/catalog/model.ts']);
});

test('a folder without a floor is a violation', async () => {
  const dir = tree({
    'src/engine/a.ts': "import { w } from '../widgets/w.ts';\nexport const a = w;\n",
    'src/widgets/w.ts': 'export const w = 1;\n',
  });
  assert.ok((await violations(dir)).includes('every-room-has-a-floor: src/engine/a.ts -> src/widgets/w.ts'));
});

test('src/ itself keeps every rule', async () => {
  assert.deepEqual(await violations(root), []);
});

test('the floors come from docs/architecture.md, and every folder of src/ has one', () => {
  const floors = config.forbidden
    .filter((r: { name: string }) => r.name.startsWith('no-upward-from-floor-'))
    .map((r: { comment: string }) => r.comment);
  assert.ok(floors.length >= 7, `upward rules: ${floors.length}`);
  const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const rooms = readdirSync(join(root, 'src'), { withFileTypes: true }).map((d) => d.name);
  const documented = [...doc.matchAll(/^- floor \d+: (.+)$/gm)].flatMap((m) =>
    [...m[1]!.matchAll(/`([^`]+)`/g)].map((r) => r[1]),
  );
  assert.deepEqual(rooms.filter((r) => !documented.includes(r)).sort(), [], 'folders of src/ without a floor');
  assert.deepEqual(documented.filter((r) => !rooms.includes(r!)).sort(), [], 'floors naming a missing folder');
});
