import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { execa } from 'execa';
import { KfcError } from '../../errors.ts';
import { generateAll } from '../../generate/generate.ts';
import {
  FAILING_LEVELS,
  formatHadolint,
  mapHadolint,
  mergeFindings,
  parseHadolintJson,
} from '../../referees/hadolint.ts';
import { requireTool } from '../../referees/tools.ts';
import { expiredEntries, parseTrivyIgnore } from '../../referees/trivyignore.ts';
import { catalogFor, printJson, repoRoot, wantsJson } from '../context.ts';
import { selectNodes } from './catalog.ts';

const HADOLINT_CONFIG = '.hadolint.yaml';
const DIVE_CONFIG = '.dive-ci';
const TRIVY_IGNORE = '.trivyignore';
const REFEREES_FILE = 'referees.json';

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
  securityUpdates: boolean;
}

/** lowestEfficiency of .dive-ci (the family default dive is given). */
function diveConfigEfficiency(file: string): number {
  if (!existsSync(file))
    throw new KfcError(`${DIVE_CONFIG} is missing`, {
      where: file,
      hint: "restore it from git (dive's CI rules, the same thresholds as kfc report --check)",
    });
  const m = /^\s*lowestEfficiency:\s*([\d.]+)/m.exec(readFileSync(file, 'utf8'));
  if (!m)
    throw new KfcError('lowestEfficiency is not set', {
      where: file,
      hint: "keep rules.lowestEfficiency equal to kfc's minEfficiency gate (0.99)",
    });
  return Number(m[1]);
}

/**
 * The allowlist Trivy is given: --trivyignore FILE (must exist), else .trivyignore at the root when
 * there is one. Every entry is checked first (reason above, exp:YYYY-MM-DD); expired ones are named.
 */
function allowlist(explicit: string | undefined, root: string): string | undefined {
  const file = explicit ?? join(root, TRIVY_IGNORE);
  if (!existsSync(file)) {
    if (explicit) throw new KfcError('--trivyignore: no such file', { where: file, hint: 'give an existing file' });
    return undefined;
  }
  const where = explicit ? file : TRIVY_IGNORE;
  const entries = parseTrivyIgnore(readFileSync(file, 'utf8'), where);
  for (const e of expiredEntries(entries))
    process.stderr.write(`kfc referee: ${where}:${e.line}: ${e.id} expired on ${e.expires}: Trivy reports it again\n`);
  return file;
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
      const root = repoRoot(cmd);
      const catalog = catalogFor(cmd);
      selectNodes(catalog, images);
      const bin = requireTool('hadolint');
      const config = opts.config ? resolve(opts.config) : join(root, HADOLINT_CONFIG);
      if (!existsSync(config))
        throw new KfcError('hadolint configuration is missing', {
          where: config,
          hint: 'restore it from git (it lists the rules kfc lint owns)',
        });
      const lists = [];
      for (const img of generateAll(catalog, images)) {
        // The generated text itself on stdin, so output/ drift cannot hide a finding.
        const r = await execa(bin, ['--config', config, '--format', 'json', '--no-fail', '-'], {
          input: img.dockerfile,
          reject: false,
          cwd: root,
        });
        if (r.exitCode !== 0)
          throw new KfcError(
            `hadolint failed on output/${img.name}/Dockerfile: ${(r.stderr || r.stdout).split('\n')[0]}`,
            { hint: `run ${bin} --config ${config} output/${img.name}/Dockerfile` },
          );
        lists.push(mapHadolint(parseHadolintJson(r.stdout, `output/${img.name}/Dockerfile`), img.origins, img.name));
      }
      const findings = mergeFindings(lists);
      const failing = findings.filter((f) => FAILING_LEVELS.has(f.level)).length;
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
        'dive vs kfc report figures and gates, Trivy SBOM, secret and (with a DB) vulnerability scans',
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
    .option('--check', 'exit 1 when a tool disagrees with kfc, a gate fails, or a secret is found')
    .option('--json', 'machine-readable output')
    .action(async (args: string[], opts: RefereeOpts, cmd: Command) => {
      const { requireEngine } = await import('../../engine/docker.ts');
      const { gitInfo } = await import('../../engine/git.ts');
      const { defaultTag } = await import('../../tags/tags.ts');
      const { normaliseRepo } = await import('../../tags/tags.ts');
      const { inspect } = await import('../../report/docker-engine.ts');
      const { effectiveGates } = await import('../../metrics/gates.ts');
      const { refereeImage, hasTrivyDb } = await import('../../referees/run.ts');
      const { formatReferee } = await import('../../referees/render.ts');
      const { securityCheck } = await import('../../referees/security-check.ts');
      const log = (s: string) => process.stderr.write(s + '\n');
      const root = repoRoot(cmd);
      const catalog = catalogFor(cmd);
      const nodes = selectNodes(catalog, args);
      const out = opts.out ? resolve(opts.out) : join(root, 'reports');
      await requireEngine();
      const repo = normaliseRepo(opts.repo ?? catalog.spec.registry.repo);
      const tag = defaultTag((await gitInfo(catalog.root)).branch, opts.tag);
      const diveCfg = opts.diveCi ? resolve(opts.diveCi) : join(root, DIVE_CONFIG);
      const dive = opts.dive
        ? { bin: requireTool('dive'), ciConfig: diveCfg, configEfficiency: diveConfigEfficiency(diveCfg) }
        : undefined;
      const cacheDir = process.env.TRIVY_CACHE_DIR || join(process.env.HOME ?? '/root', '.cache', 'trivy');
      const vulns = opts.vulns ?? hasTrivyDb(cacheDir);
      if (opts.trivy && opts.vulns && !hasTrivyDb(cacheDir))
        throw new KfcError(`--vulns: no Trivy vulnerability DB in ${cacheDir} (db/trivy.db)`, {
          hint: 'trivy image --download-db-only where its DB registry is reachable; set TRIVY_CACHE_DIR to that cache',
        });
      const ignoreFile = opts.trivy
        ? allowlist(opts.trivyignore ? resolve(opts.trivyignore) : undefined, root)
        : undefined;
      const trivy = opts.trivy ? { bin: requireTool('trivy'), cacheDir, vulns, ignoreFile } : undefined;
      if (trivy && !vulns)
        log(`kfc referee: vulnerabilities not scanned (no DB in ${cacheDir}): SBOM and secret scan only (offline)`);
      const work = opts.workDir ? resolve(opts.workDir) : mkdtempSync(join(tmpdir(), 'kfc-referee-'));
      const results = [];
      const missing: string[] = [];
      try {
        for (const node of nodes) {
          const ref = `${repo}${node.name}:${tag}`;
          const info = await inspect(ref);
          if (!info) {
            missing.push(`${node.name} (${ref})`);
            continue;
          }
          const gates = effectiveGates(node.name, catalog.spec.gates, node.spec.gates);
          results.push(
            await refereeImage({
              name: node.name,
              ref,
              id: info.id,
              workDir: work,
              sbomDir: join(out, 'sbom'),
              // A catalog that gates no efficiency: any efficiency passes.
              minEfficiency: gates.minEfficiency ?? 0,
              dive,
              trivy: trivy && { ...trivy, gate: gates.vulnerabilities },
              log,
            }),
          );
          rmSync(join(work, `${node.name}.tar`), { force: true });
          if (opts.securityUpdates) await securityCheck(results.at(-1)!, node, gates, log);
        }
      } finally {
        if (!opts.workDir) rmSync(work, { recursive: true, force: true });
      }
      if (args.length && missing.length)
        throw new KfcError(`not built here: ${missing.join(', ')}`, {
          hint: 'kfc build IMAGE first, or pass --tag/--repo',
        });
      if (!results.length)
        throw new KfcError(`no catalog image is built here with tag "${tag}"`, {
          hint: 'kfc build IMAGE first, or pass --tag/--repo',
        });
      const { advisoriesNote } = await import('../../referees/advisories.ts');
      const advisories = await advisoriesNote();
      for (const r of results) r.notes.push(advisories);
      const tools: Record<string, string> = {};
      if (dive) tools.dive = (await execa(dive.bin, ['--version'], { reject: false })).stdout.trim();
      if (trivy)
        tools.trivy = ((await execa(trivy.bin, ['--version'], { reject: false })).stdout.split('\n')[0] ?? '').trim();
      const file = { version: 1 as const, tools, images: results };
      mkdirSync(out, { recursive: true });
      const dest = join(out, REFEREES_FILE);
      writeFileSync(`${dest}.tmp-${process.pid}`, JSON.stringify(file, null, 2) + '\n');
      renameSync(`${dest}.tmp-${process.pid}`, dest);
      // kfc report's files show the referees' figures too: re-render them when a report is there.
      const reportFile = join(out, 'report.json');
      if (existsSync(reportFile)) {
        const { writeReportFiles } = await import('../../report/files.ts');
        try {
          writeReportFiles(catalog, JSON.parse(readFileSync(reportFile, 'utf8')), out);
        } catch (e) {
          log(`kfc referee: note: ${reportFile} not re-rendered (${(e as Error).message.split('\n')[0]})`);
        }
      }
      if (wantsJson(cmd)) printJson(file);
      else process.stdout.write(formatReferee(file) + '\n');
      const problems = results.flatMap((r) => r.problems.map((p) => `${r.name}: ${p}`));
      if (opts.check && problems.length) {
        for (const p of problems) process.stderr.write(`kfc referee: FAIL: ${p}\n`);
        throw new KfcError(`${problems.length} referee problem(s)`, {
          exitCode: 1,
          hint: `see ${dest}; dive/kfc differences are explained in docs/report.md`,
        });
      }
    });
}
