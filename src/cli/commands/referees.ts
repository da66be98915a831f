import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { formatHadolint } from '../../referees/hadolint.ts';
import { HADOLINT_CONFIG, hadolintImages } from '../../referees/hadolint-run.ts';
import { catalogFor, printJson, repoRoot, wantsJson } from '../context.ts';
import { selectNodes } from './catalog.ts';

const DIVE_CONFIG = '.dive-ci';
const TRIVY_IGNORE = '.trivyignore';

interface RefereeOpts {
  repo?: string;
  tag?: string;
  out?: string;
  dive: boolean;
  trivy: boolean;
  vulns?: boolean;
  trivyignore?: string;
  check?: boolean;
  workDir?: string;
  diveCi?: string;
  resultCache: boolean;
  securityUpdates: boolean;
}

export function registerRefereeCommands(program: Command): void {
  program
    .command('hadolint')
    .description(
      'run hadolint on the generated Dockerfiles (.hadolint.yaml); findings point at docker-bits/<bit>:<line>',
    )
    .argument('[images...]')
    .option('--config <file>', `hadolint configuration (default: ${HADOLINT_CONFIG} at the repository root)`)
    .option('--json', 'machine-readable output')
    .action(async (images: string[], opts: { config?: string }, cmd: Command) => {
      const catalog = catalogFor(cmd);
      selectNodes(catalog, images);
      const { findings, failing } = await hadolintImages(catalog, images, opts.config && resolve(opts.config));
      if (wantsJson(cmd)) printJson({ findings, failing, shown: findings.length - failing });
      else {
        for (const f of findings) process.stdout.write(formatHadolint(f) + '\n');
        process.stdout.write(`hadolint: ${failing} failing (error/warning), ${findings.length - failing} info/style\n`);
      }
      if (failing) process.exitCode = 1;
    });
  registerRefereeRunCommand(program);
}

function registerRefereeRunCommand(program: Command): void {
  program
    .command('referee')
    .description(
      "judge built images with the field's tools from one saved archive each: " +
        'dive vs kfc report figures and gates, one Trivy pass: SBOM, secrets and (with a DB) vulnerabilities',
    )
    .argument('[images...]', 'images (default: every catalog image built here)')
    .option('--repo <repo>', 'registry/namespace prefix (REPO)')
    .option('--tag <tag>', 'tag the images were built with (default: the git branch)')
    .option('--out <dir>', 'where referees.json and sbom/<image>.cdx.json go (default: reports/)')
    .option('--no-dive', 'skip dive')
    .option('--no-trivy', 'skip Trivy')
    .option('--vulns', 'scan vulnerabilities, an error without a DB (default: when TRIVY_CACHE_DIR holds a Trivy DB)')
    .option('--trivyignore <file>', `Trivy's vulnerability allowlist (default: ${TRIVY_IGNORE} at the repository root)`)
    .option('--dive-ci <file>', `dive's CI rules (default: ${DIVE_CONFIG} at the repository root)`)
    .option('--no-security-updates', 'skip the pending Debian security-updates check (a container per image)')
    .option('--work-dir <dir>', 'where the per-image archive is written (default: a temp dir; removed after)')
    .option('--no-result-cache', 'judge every image again (default: passing verdicts are reused by image ID)')
    .option('--check', 'exit 1 when a tool disagrees with kfc, a gate fails, or a secret is found')
    .option('--json', 'machine-readable output')
    .action(async (args: string[], opts: RefereeOpts, cmd: Command) => {
      const { refereeImages } = await import('../../report/referee-images.ts');
      const { failOnProblems } = await import('../../report/check.ts');
      const { formatReferee } = await import('../../referees/render.ts');
      const { outcomeLines } = await import('../../report/seconds.ts');
      const log = (s: string) => process.stderr.write(s + '\n');
      const root = repoRoot(cmd);
      const catalog = catalogFor(cmd);
      const { file, judged } = await refereeImages(catalog, selectNodes(catalog, args), {
        repo: opts.repo,
        tag: opts.tag,
        named: args.length > 0,
        out: opts.out ? resolve(opts.out) : join(root, 'reports'),
        resultCache: opts.resultCache,
        securityUpdates: opts.securityUpdates,
        ...(opts.workDir ? { workDir: resolve(opts.workDir) } : {}),
        tools: {
          root,
          dive: opts.dive,
          trivy: opts.trivy,
          ...(opts.vulns ? { vulns: true } : {}),
          ...(opts.trivyignore ? { trivyignore: resolve(opts.trivyignore) } : {}),
          ...(opts.diveCi ? { diveCi: resolve(opts.diveCi) } : {}),
        },
        log,
      });
      if (wantsJson(cmd)) printJson(file);
      else {
        process.stdout.write(formatReferee(file) + '\n');
        for (const l of outcomeLines('kfc referee', [], judged.referees)) process.stdout.write(`${l}\n`);
      }
      if (opts.check) failOnProblems(judged.fresh, judged.referees, log);
    });
}
