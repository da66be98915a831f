import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import type { Catalog, ImageNode } from '../../catalog/model.ts';
import { buildability, describeRequirement, type SourceState } from '../../catalog/sources.ts';
import { gatherSourceState } from '../../engine/sources.ts';
import { KfcError } from '../../errors.ts';
import { checkOutput, writeOutput } from '../../generate/write.ts';
import { formatFinding } from '../../lint/lint.ts';
import { lintCatalog } from '../../lint/lint-catalog.ts';
import { checkLocks, formatProblem } from '../../python/check.ts';
import { catalogFor, printJson, wantsJson } from '../context.ts';

export function selectNodes(catalog: Catalog, names: string[]): ImageNode[] {
  for (const n of names) {
    if (!catalog.nodes.has(n)) {
      throw new KfcError(`unknown image "${n}"`, {
        where: catalog.file,
        hint: `known images: ${[...catalog.nodes.keys()].join(', ')}`,
      });
    }
  }
  return names.length ? catalog.order.filter((n) => names.includes(n.name)) : catalog.order;
}

function runCheck(cmd: Command): void {
  const t0 = performance.now();
  const catalog = catalogFor(cmd);
  const drift = checkOutput(catalog);
  const locks = checkLocks(catalog);
  const ms = Math.round(performance.now() - t0);
  if (wantsJson(cmd)) printJson({ inSync: drift.length === 0 && locks.length === 0, drift, locks, ms });
  else {
    for (const p of locks) process.stderr.write(formatProblem(p) + '\n');
    if (drift.length === 0 && locks.length === 0)
      process.stdout.write(
        `output/ is in sync with images.yaml, docker-bits/ and resources/, python/ locks are current ` +
          `(${catalog.order.length} images, ${ms} ms)\n`,
      );
    if (drift.length) {
      for (const d of drift) process.stdout.write(`${d.kind.padEnd(7)} ${d.path}\n`);
      process.stderr.write(
        `kfc: error: output/ is out of sync (${drift.length} file(s)) (fix: run kfc generate and commit output/)\n`,
      );
    }
  }
  if (drift.length || locks.length) process.exitCode = 1;
}

export function registerCatalogCommands(program: Command): void {
  program
    .command('generate')
    .description('write output/<image>/ (Dockerfile + context) for the named images, or all')
    .argument('[images...]')
    .option('--check', 'write nothing; exit 1 listing every file that differs, is missing or extra')
    .option('--json', 'machine-readable output')
    .action((images: string[], opts: { check?: boolean }, cmd: Command) => {
      if (opts.check) return runCheck(cmd);
      const catalog = catalogFor(cmd);
      const res = writeOutput(catalog, images);
      if (wantsJson(cmd)) printJson(res);
      else {
        process.stdout.write(`generated ${res.written.length} image(s): ${res.written.join(', ')}\n`);
        if (res.removed.length) process.stdout.write(`removed stale: ${res.removed.join(', ')}\n`);
      }
    });

  program
    .command('check')
    .description('same as generate --check')
    .option('--json', 'machine-readable output')
    .action((_opts, cmd: Command) => runCheck(cmd));

  program
    .command('lint')
    .description('lint the generated Dockerfiles; findings point at docker-bits/<bit>:<line>')
    .argument('[images...]')
    .option('--json', 'machine-readable output')
    .action((images: string[], _opts, cmd: Command) => {
      const catalog = catalogFor(cmd);
      selectNodes(catalog, images);
      const findings = lintCatalog(catalog, images);
      const errors = findings.filter((f) => f.severity === 'error').length;
      if (wantsJson(cmd)) printJson({ findings, errors, warnings: findings.length - errors });
      else {
        for (const f of findings) process.stdout.write(formatFinding(f) + '\n');
        process.stdout.write(`${errors} error(s), ${findings.length - errors} warning(s)\n`);
      }
      if (errors) process.exitCode = 1;
    });

  program
    .command('list')
    .description('list the images of the catalog')
    .option('--json', 'machine-readable output')
    .option('--offline', 'do not probe outside sources over the network')
    .action(async (opts: { offline?: boolean }, cmd: Command) => {
      const catalog = catalogFor(cmd, { readFiles: false });
      const state = await gatherSourceState(catalog, catalog.order, { network: !opts.offline });
      const rows = catalog.order.map((n) => nodeSummary(catalog, n, state));
      if (wantsJson(cmd)) return printJson(rows);
      for (const r of rows) {
        const flags = [
          r.publish ? 'publish' : 'internal',
          r.buildable.ok ? 'buildable' : `not buildable: ${r.buildable.missing.join('; ')}`,
        ];
        process.stdout.write(`${r.name.padEnd(26)} ${(r.parent ?? r.base).padEnd(22)} ${flags.join(', ')}\n`);
      }
    });

  program
    .command('tree')
    .description('show the image hierarchy with publish and requires flags')
    .option('--json', 'machine-readable output')
    .option('--offline', 'do not probe outside sources over the network')
    .action(async (opts: { offline?: boolean }, cmd: Command) => {
      const catalog = catalogFor(cmd, { readFiles: false });
      const state = await gatherSourceState(catalog, catalog.order, { network: !opts.offline });
      if (wantsJson(cmd)) {
        const toJson = (n: ImageNode): unknown => ({
          ...nodeSummary(catalog, n, state),
          children: n.children.map(toJson),
        });
        return printJson(catalog.order.filter((n) => !n.parent).map(toJson));
      }
      const print = (n: ImageNode, prefix: string, last: boolean, top: boolean) => {
        const s = nodeSummary(catalog, n, state);
        const flags = [
          s.publish ? '' : 'internal',
          s.requires.length ? `requires ${s.ownRequires.join(', ') || '(inherited)'}` : '',
          s.buildable.ok ? '' : `NOT BUILDABLE HERE: ${s.buildable.missing.join('; ')}`,
        ].filter(Boolean);
        const branch = top ? '' : last ? '└── ' : '├── ';
        process.stdout.write(`${prefix}${branch}${n.name}${flags.length ? `  [${flags.join(' | ')}]` : ''}\n`);
        const childPrefix = top ? '' : prefix + (last ? '    ' : '│   ');
        for (const [i, c] of n.children.entries()) print(c, childPrefix, i === n.children.length - 1, false);
      };
      for (const root of catalog.order.filter((n) => !n.parent)) {
        process.stdout.write(`${root.baseImage}\n`);
        print(root, '', true, false);
      }
    });
}

function nodeSummary(catalog: Catalog, n: ImageNode, state: SourceState = {}) {
  return {
    name: n.name,
    parent: n.parent?.name,
    base: n.baseImage,
    description: n.spec.description,
    publish: n.spec.publish,
    gpu: n.spec.gpu,
    bits: n.ownBits.map((b) => b.name),
    context: n.spec.context,
    requires: n.requires.map(describeRequirement),
    ownRequires: n.spec.requires.map(describeRequirement),
    buildable: buildability(catalog, n, state),
    test: n.spec.test,
  };
}
