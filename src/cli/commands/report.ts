import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import writeFileAtomic from 'write-file-atomic';
import { KfcError } from '../../errors.ts';
import type { RefereeImage } from '../../referees/model.ts';
import type { FamilyReport } from '../../report/model.ts';
import { catalogFor, parsePairs, printJson, repeatable, repoRoot, wantsJson } from '../context.ts';
import { selectNodes } from './catalog.ts';

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
  referees?: boolean;
  vulns?: boolean;
  trivyignore?: string;
  diveCi?: string;
  workDir?: string;
  resultCache: boolean;
  securityUpdates: boolean;
  keepLayers?: boolean;
  startsDoneFile?: string;
}

/** `kfc report --diff OLD.json NEW.json`. */
async function printDiff(args: string[], cmd: Command): Promise<void> {
  if (args.length !== 2)
    throw new KfcError('--diff needs two report files', {
      hint: 'kfc report --diff reports-old/report.json reports/report.json',
    });
  const [{ readReport }, { diffReports, diffText }] = await Promise.all([
    import('../../report/files.ts'),
    import('../../report/render-diff.ts'),
  ]);
  const diffs = diffReports(readReport(resolve(args[0]!)), readReport(resolve(args[1]!)));
  if (wantsJson(cmd)) printJson({ from: args[0], to: args[1], images: diffs });
  else process.stdout.write(diffText(diffs) + '\n');
}

function parseStarts(opts: ReportOpts): { starts: number; startTimeoutMs: number } {
  const starts = Number(opts.starts);
  if (!Number.isInteger(starts) || starts < 0)
    throw new KfcError(`--starts ${opts.starts} is not a whole number ≥ 0`, {
      hint: 'e.g. --starts 10, or --starts 0 to skip',
    });
  const startTimeoutMs = Number(opts.startTimeout);
  if (!(startTimeoutMs > 0)) throw new KfcError(`--start-timeout ${opts.startTimeout} is not a positive number of ms`);
  return { starts, startTimeoutMs };
}

/** The --starts-done-file signal: the file, written whole, says when the timed part of the report ended. */
const startsDone = (file: string) => () => {
  try {
    writeFileAtomic.sync(file, `${new Date().toISOString()}\n`);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new KfcError(`--starts-done-file ${file}: could not be written (${why})`, {
      hint: 'name a file in a writable folder that exists',
    });
  }
};

export function registerReportCommands(program: Command): void {
  program
    .command('report')
    .description(
      'measure built images: size, layers, dive-style efficiency, sharing, package manifests, start time; ' +
        'gates; HTML catalog',
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
    .option('--no-security-updates', 'skip the pending Debian security-updates check (a container per image)')
    .option('--no-merge', 'do not keep earlier measurements of other images in report.json')
    .option('--check', 'exit 1 naming each gate breach (efficiency, size, start median, parent reuse)')
    .option(
      '--referees',
      'also judge with dive and Trivy (as kfc referee) the images whose test.referees is on, from the same save',
    )
    .option(
      '--vulns',
      'with --referees: scan vulnerabilities, an error without a Trivy DB (default: when there is one)',
    )
    .option('--trivyignore <file>', "with --referees: Trivy's allowlist (default: .trivyignore at the root)")
    .option('--dive-ci <file>', "with --referees: dive's CI rules (default: .dive-ci at the root)")
    .option('--work-dir <dir>', 'where an archive dive and Trivy read is written (default: a temp dir; removed)')
    .option('--keep-layers', "keep each saved image's layers as zstd blobs for kfc node-pull (no second save)")
    .option(
      '--starts-done-file <file>',
      'write this file once the start figures are measured (they come first): the rest of the report times nothing',
    )
    .option('--no-result-cache', 'measure every image again (default: passing results are reused by image ID)')
    .option('--from <report.json>', 're-render (and --check) a saved report instead of measuring')
    .option('--diff', 'compare two reports: kfc report --diff OLD.json NEW.json')
    .option('--json', 'print the report (or the diff) as JSON')
    .action(async (args: string[], opts: ReportOpts, cmd: Command) => {
      if (opts.diff) return printDiff(args, cmd);
      const log = (s: string) => process.stderr.write(s + '\n');
      const { starts, startTimeoutMs } = parseStarts(opts);
      const refereeOnly = (['vulns', 'trivyignore', 'diveCi'] as const).filter((k) => opts[k] !== undefined);
      if (refereeOnly.length && !opts.referees)
        throw new KfcError(`--${refereeOnly[0]!.replace('diveCi', 'dive-ci')} needs --referees`, {
          hint: 'kfc report IMAGES --referees --vulns, or kfc referee IMAGES --vulns',
        });
      const catalog = catalogFor(cmd);
      const [
        { failOnProblems },
        { readReport, writeReportFiles },
        { writeRefereeFile },
        { textSummary },
        { reportImages },
        { outcomeLines, secondsTable },
      ] = await Promise.all([
        import('../../report/check.ts'),
        import('../../report/files.ts'),
        import('../../report/referees.ts'),
        import('../../report/render-text.ts'),
        import('../../report/report-images.ts'),
        import('../../report/seconds.ts'),
      ]);
      const out = opts.out ? resolve(opts.out) : join(repoRoot(cmd), 'reports');
      let report: FamilyReport;
      let fresh: FamilyReport;
      let referees: RefereeImage[] = [];
      if (opts.from) report = fresh = readReport(resolve(opts.from));
      else {
        const nodes = selectNodes(catalog, args);
        const imageRefs = parsePairs(
          '--image-ref',
          opts.imageRef,
          'NAME=REF',
          'jupyterlab-cpu=ghcr.io/org/jupyterlab-cpu:v1',
        );
        selectNodes(catalog, [...imageRefs.keys()]);
        const measured = await reportImages(catalog, nodes, {
          repo: opts.repo,
          tag: opts.tag,
          imageRefs,
          manifests: opts.manifests,
          merge: opts.merge,
          securityUpdates: opts.securityUpdates,
          named: args.length > 0,
          out,
          starts,
          startTimeoutMs,
          log,
          resultCache: opts.resultCache,
          ...(opts.keepLayers ? { keepLayers: true } : {}),
          ...(opts.startsDoneFile ? { onStartsTimed: startsDone(resolve(opts.startsDoneFile)) } : {}),
          ...(opts.workDir ? { workDir: resolve(opts.workDir) } : {}),
          ...(opts.referees
            ? {
                referees: {
                  root: repoRoot(cmd),
                  dive: true,
                  trivy: true,
                  ...(opts.vulns ? { vulns: true } : {}),
                  ...(opts.trivyignore ? { trivyignore: resolve(opts.trivyignore) } : {}),
                  ...(opts.diveCi ? { diveCi: resolve(opts.diveCi) } : {}),
                  images: (n) => n.spec.test.referees,
                },
              }
            : {}),
        });
        ({ report, fresh, referees } = measured);
        if (opts.referees) writeRefereeFile(join(out, 'referees.json'), referees, measured.tools ?? {});
      }
      const written = writeReportFiles(catalog, report, out);
      if (wantsJson(cmd)) printJson(opts.from ? report : fresh);
      else {
        process.stdout.write(textSummary(fresh) + '\n');
        if (!opts.from) {
          process.stdout.write(`${secondsTable(fresh.images)}\n`);
          for (const l of outcomeLines('kfc report', fresh.images, referees)) process.stdout.write(`${l}\n`);
        }
        process.stdout.write(`wrote ${written.length} file(s) under ${out} (open ${join(out, 'index.html')})\n`);
      }
      if (opts.check) {
        failOnProblems(fresh, referees, log);
        if (!wantsJson(cmd))
          process.stdout.write(
            `gates: all pass (${fresh.images.length} image(s)` +
              `${opts.referees ? `; referees agree on ${referees.length}` : ''})\n`,
          );
      }
    });
}
