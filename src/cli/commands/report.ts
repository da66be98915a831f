import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import writeFileAtomic from 'write-file-atomic';
import type { Catalog, ImageNode } from '../../catalog/model.ts';
import { requireEngine } from '../../engine/docker.ts';
import { resolveRefs } from '../../engine/refs.ts';
import { KfcError } from '../../errors.ts';
import { collectReport, mergeReports } from '../../report/collect.ts';
import { type FamilyReport, REPORT_VERSION, type TestResults } from '../../report/model.ts';
import { attachReferees, readRefereeFile } from '../../report/referees.ts';
import { diffReports, diffText, familyMarkdown, imageMarkdown, renderHtml, textSummary } from '../../report/render.ts';
import { normaliseRepo } from '../../tags/tags.ts';
import { catalogFor, printJson, repeatable, repoRoot, wantsJson } from '../context.ts';
import { selectNodes } from './catalog.ts';

function readReport(file: string): FamilyReport {
  if (!existsSync(file))
    throw new KfcError(`no report at ${file}`, {
      hint: 'run kfc report --json > FILE, or use reports/report.json of an earlier run',
    });
  let doc: FamilyReport;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as FamilyReport;
  } catch (e) {
    throw new KfcError(`${file} is not JSON (${(e as Error).message.split('\n')[0]})`, {
      hint: 'give a report.json written by kfc report',
    });
  }
  if (doc?.version !== REPORT_VERSION || !Array.isArray(doc.images))
    throw new KfcError(`${file} is not a kfc report (version ${String(doc?.version)})`, {
      hint: `give a report.json written by kfc report (version ${REPORT_VERSION})`,
    });
  return doc;
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic.sync(file, text);
}

export function writeReportFiles(catalog: Catalog, report: FamilyReport, out: string): string[] {
  attachReferees(report, readRefereeFile(join(out, 'referees.json')));
  const written: string[] = [];
  const w = (name: string, text: string) => {
    writeAtomic(join(out, name), text);
    written.push(join(out, name));
  };
  w('report.json', JSON.stringify(report, null, 2) + '\n');
  for (const i of report.images) w(`${i.name}.md`, imageMarkdown(i));
  w('README.md', familyMarkdown(report));
  // `kfc test --json` writes <root>/reports/tests.json; a tests.json next to the report wins.
  const testsFile =
    [join(out, 'tests.json'), join(catalog.root, 'reports', 'tests.json')].find((f) => existsSync(f)) ?? '';
  let tests: TestResults | undefined;
  if (testsFile) {
    try {
      tests = JSON.parse(readFileSync(testsFile, 'utf8')) as TestResults;
    } catch {
      tests = undefined;
    }
  }
  const list = catalog.order.map((n) => ({
    name: n.name,
    parent: n.parent?.name,
    description: n.spec.description,
    publish: n.spec.publish,
  }));
  w('index.html', renderHtml({ report, catalog: list, tests }));
  return written;
}

interface ReportOpts {
  repo?: string;
  tag?: string;
  imageRef?: string[];
  out?: string;
  starts: string;
  startTimeout: string;
  manifests: boolean;
  check?: boolean;
  diff?: boolean;
  from?: string;
  merge: boolean;
}

export function registerReportCommands(program: Command): void {
  program
    .command('report')
    .description(
      'measure built images: size, layers, dive-style efficiency, sharing, package manifests, start time; gates; HTML catalog',
    )
    .argument(
      '[images...]',
      'images to measure (default: every catalog image built here); with --diff: OLD.json NEW.json',
    )
    .option('--repo <repo>', 'registry/namespace prefix (REPO)')
    .option('--tag <tag>', 'tag the images were built with (default: the git branch)')
    .option('--image-ref <name=ref>', 'measure this reference for an image (repeatable)', repeatable)
    .option('--out <dir>', 'where to write report.json, <image>.md, README.md and index.html (default: reports/)')
    .option('--starts <n>', 'docker run → readiness 200 timings per image (0 skips)', '10')
    .option('--start-timeout <ms>', 'give up on one start after this long', '60000')
    .option('--no-manifests', 'skip the package manifests (no container is started for them)')
    .option('--no-merge', 'do not keep earlier measurements of other images in report.json')
    .option('--check', 'exit 1 naming each gate breach (efficiency, size, start median, parent reuse)')
    .option('--from <report.json>', 're-render (and --check) a saved report instead of measuring')
    .option('--diff', 'compare two reports: kfc report --diff OLD.json NEW.json')
    .option('--json', 'print the report (or the diff) as JSON')
    .action(async (args: string[], opts: ReportOpts, cmd: Command) => {
      const log = (s: string) => process.stderr.write(s + '\n');
      if (opts.diff) {
        if (args.length !== 2)
          throw new KfcError('--diff needs two report files', {
            hint: 'kfc report --diff reports-old/report.json reports/report.json',
          });
        const [a, b] = args.map((f) => readReport(resolve(f)));
        const diffs = diffReports(a!, b!);
        if (wantsJson(cmd)) printJson({ from: args[0], to: args[1], images: diffs });
        else process.stdout.write(diffText(diffs) + '\n');
        return;
      }
      const starts = Number(opts.starts);
      if (!Number.isInteger(starts) || starts < 0)
        throw new KfcError(`--starts ${opts.starts} is not a whole number ≥ 0`, {
          hint: 'e.g. --starts 10, or --starts 0 to skip',
        });
      const startTimeoutMs = Number(opts.startTimeout);
      if (!(startTimeoutMs > 0))
        throw new KfcError(`--start-timeout ${opts.startTimeout} is not a positive number of ms`);
      const root = repoRoot(cmd);
      const catalog = catalogFor(cmd);
      const out = opts.out ? resolve(opts.out) : join(root, 'reports');
      let report: FamilyReport;
      let fresh: FamilyReport;
      if (opts.from) {
        report = fresh = readReport(resolve(opts.from));
      } else {
        const nodes = selectNodes(catalog, args);
        const refs = new Map<string, string>();
        for (const kv of opts.imageRef ?? []) {
          const i = kv.indexOf('=');
          if (i <= 0)
            throw new KfcError(`--image-ref "${kv}" is not NAME=REF`, {
              hint: 'e.g. --image-ref jupyterlab-cpu=ghcr.io/org/jupyterlab-cpu:v1',
            });
          selectNodes(catalog, [kv.slice(0, i)]);
          refs.set(kv.slice(0, i), kv.slice(i + 1));
        }
        await requireEngine();
        const resolved = await resolveRefs(catalog, opts);
        const { tag } = resolved;
        const repo = normaliseRepo(opts.repo ?? catalog.spec.registry.repo);
        const refOf = (n: ImageNode) => refs.get(n.name) ?? resolved.refOf(n);
        fresh = await collectReport(catalog, nodes, { refOf, manifests: opts.manifests, starts, startTimeoutMs, log });
        if (args.length > 0 && fresh.missing.length) {
          throw new KfcError(
            `not built here: ${fresh.missing.map((n) => `${n} (${refOf(catalog.nodes.get(n)!)})`).join(', ')}`,
            { hint: `kfc build ${fresh.missing.join(' ')}, or pass --tag/--repo/--image-ref` },
          );
        }
        if (fresh.images.length === 0)
          throw new KfcError(`no catalog image is built here with tag "${tag}"${repo ? ` in ${repo}` : ''}`, {
            hint: 'kfc build IMAGE first, or pass --tag/--repo/--image-ref',
          });
        const prevFile = join(out, 'report.json');
        let prev: FamilyReport | undefined;
        if (opts.merge && existsSync(prevFile)) {
          try {
            prev = JSON.parse(readFileSync(prevFile, 'utf8')) as FamilyReport;
          } catch {
            prev = undefined;
          }
        }
        report = opts.merge
          ? mergeReports(
              prev,
              fresh,
              catalog.order.map((n) => n.name),
            )
          : fresh;
      }
      const written = writeReportFiles(catalog, report, out);
      if (wantsJson(cmd)) printJson(opts.from ? report : fresh);
      else {
        process.stdout.write(textSummary(fresh) + '\n');
        process.stdout.write(`wrote ${written.length} file(s) under ${out} (open ${join(out, 'index.html')})\n`);
      }
      if (opts.check) {
        const breaches = fresh.breaches;
        for (const b of breaches) process.stderr.write(`kfc report: gate FAIL: ${b.message}\n`);
        if (breaches.length)
          throw new KfcError(
            `${breaches.length} gate breach(es) in ${new Set(breaches.map((b) => b.image)).size} image(s)`,
            { exitCode: 1, hint: 'see the lines above and reports/<image>.md (largest wasted paths name the bits)' },
          );
        if (!wantsJson(cmd)) process.stdout.write(`gates: all pass (${fresh.images.length} image(s))\n`);
      }
    });
}
