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
import { catalogFor, printJson, repoRoot, wantsJson } from '../context.ts';
import { selectNodes } from './catalog.ts';

export const HADOLINT_CONFIG = '.hadolint.yaml';
export const DIVE_CONFIG = '.dive-ci';
export const TRIVY_IGNORE = '.trivyignore';
export const REFEREES_FILE = 'referees.json';

interface RefereeOpts {
  repo?: string;
  tag?: string;
  out?: string;
  dive: boolean;
  trivy: boolean;
  vulns?: boolean;
  severity: string;
  ignoreUnfixed: boolean;
  check?: boolean;
  workDir?: string;
  diveCi?: string;
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
  registerNodePullCommand(program);
}

function registerRefereeRunCommand(program: Command): void {
  program
    .command('referee')
    .description(
      "judge built images with the field's tools from one saved archive each: dive vs kfc report figures and gates, Trivy SBOM, secret and (with a DB) vulnerability scans",
    )
    .argument('[images...]', 'images (default: every catalog image built here)')
    .option('--repo <repo>', 'registry/namespace prefix (REPO)')
    .option('--tag <tag>', 'tag the images were built with (default: the git branch)')
    .option('--out <dir>', 'where referees.json and sbom/<image>.cdx.json go (default: reports/)')
    .option('--no-dive', 'skip dive')
    .option('--no-trivy', 'skip Trivy')
    .option('--vulns', 'scan vulnerabilities too (default: when TRIVY_CACHE_DIR holds a Trivy DB)')
    .option('--severity <list>', 'vulnerability gate severities', 'CRITICAL,HIGH')
    .option('--no-ignore-unfixed', 'gate on vulnerabilities without a fixed version too')
    .option('--dive-ci <file>', `dive's CI rules (default: ${DIVE_CONFIG} at the repository root)`)
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
      if (opts.vulns && !hasTrivyDb(cacheDir))
        throw new KfcError(`no Trivy vulnerability DB in ${cacheDir}`, {
          hint: 'download one (trivy image --download-db-only) where the DB registry is reachable, and set TRIVY_CACHE_DIR',
        });
      const severity = opts.severity
        .split(',')
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean);
      const trivy = opts.trivy
        ? {
            bin: requireTool('trivy'),
            cacheDir,
            vulns,
            severity,
            ignoreUnfixed: opts.ignoreUnfixed,
            ignoreFile: join(root, TRIVY_IGNORE),
          }
        : undefined;
      if (trivy && !vulns)
        log(`kfc referee: no Trivy vulnerability DB in ${cacheDir}: SBOM and secret scan only (offline)`);
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
              trivy,
              log,
            }),
          );
          rmSync(join(work, `${node.name}.tar`), { force: true });
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

interface ManifestV2 {
  config: { size: number; digest: string };
  layers: { size: number; digest: string }[];
}

async function registryManifest(host: string, auth: string, name: string, tag: string): Promise<ManifestV2> {
  const r = await fetch(`http://${host}/v2/${name}/manifests/${tag}`, {
    headers: { Authorization: `Basic ${auth}`, Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  if (r.status !== 200) throw new KfcError(`registry ${host}: manifest ${name}:${tag} answered ${r.status}`);
  return (await r.json()) as ManifestV2;
}

export function registerNodePullCommand(program: Command): void {
  program
    .command('node-pull')
    .description(
      'push images to a throwaway htpasswd registry and pull them, parents first, into a separate engine (a node): bytes pulled per image',
    )
    .argument('[images...]', 'images (default: every catalog image built here), pulled in catalog order')
    .option('--repo <repo>', 'registry/namespace prefix the images were built with (REPO)')
    .option('--tag <tag>', 'tag the images were built with (default: the git branch)')
    .option('--json', 'machine-readable output')
    .action(async (args: string[], opts: { repo?: string; tag?: string }, cmd: Command) => {
      const { requireEngine } = await import('../../engine/docker.ts');
      const { gitInfo } = await import('../../engine/git.ts');
      const { defaultTag } = await import('../../tags/tags.ts');
      const { normaliseRepo } = await import('../../tags/tags.ts');
      const { inspect } = await import('../../report/docker-engine.ts');
      const { removeTree, startNodeEngine, startRegistry } = await import('../../publish/node-engine.ts');
      const { blobFetches, formatPullTable } = await import('../../publish/pull-bytes.ts');
      const log = (s: string) => process.stderr.write(s + '\n');
      const catalog = catalogFor(cmd);
      const nodes = selectNodes(catalog, args);
      await requireEngine();
      if (process.getuid?.() !== 0)
        throw new KfcError('kfc node-pull starts a second dockerd: it needs root', {
          hint: 'run it as root (CI does)',
        });
      const repo = normaliseRepo(opts.repo ?? catalog.spec.registry.repo);
      const tag = defaultTag((await gitInfo(catalog.root)).branch, opts.tag);
      const present = [];
      for (const n of nodes) if (await inspect(`${repo}${n.name}:${tag}`)) present.push(n);
      if (!present.length)
        throw new KfcError(`no catalog image is built here with tag "${tag}"`, {
          hint: 'kfc build IMAGE first, or pass --tag/--repo',
        });
      const work = mkdtempSync(join(tmpdir(), 'kfc-node-'));
      const dockerConfig = join(work, 'docker-config');
      mkdirSync(dockerConfig);
      const registry = await startRegistry(join(work, 'registry'));
      const auth = Buffer.from(`${registry.user}:${registry.password}`).toString('base64');
      const pushed: string[] = [];
      let node: Awaited<ReturnType<typeof startNodeEngine>> | undefined;
      const rows = [];
      try {
        const mainEnv = { DOCKER_CONFIG: dockerConfig };
        const login = async (env: Record<string, string>) => {
          const r = await execa('/usr/bin/docker', ['login', '-u', registry.user, '--password-stdin', registry.host], {
            input: registry.password,
            env,
            reject: false,
          });
          if (r.exitCode !== 0) throw new KfcError(`docker login ${registry.host} failed: ${r.stderr.split('\n')[0]}`);
        };
        await login(mainEnv);
        for (const n of present) {
          const target = `${registry.host}/kfc-node/${n.name}:${tag}`;
          await execa('/usr/bin/docker', ['tag', `${repo}${n.name}:${tag}`, target]);
          pushed.push(target);
          const p = await execa('/usr/bin/docker', ['push', target], { env: mainEnv, reject: false });
          if (p.exitCode !== 0)
            throw new KfcError(`docker push ${target} failed: ${p.stderr.split('\n').slice(-1)[0]}`);
          log(`kfc node-pull: pushed ${n.name}`);
        }
        node = await startNodeEngine(join(work, 'node'), dockerConfig);
        const manifests = new Map<string, ManifestV2>();
        for (const n of present)
          manifests.set(n.name, await registryManifest(registry.host, auth, `kfc-node/${n.name}`, tag));
        for (const n of present) {
          const before = registry.logLines().length;
          const t0 = Date.now();
          const p = await execa('/usr/bin/docker', ['pull', '-q', `${registry.host}/kfc-node/${n.name}:${tag}`], {
            env: node.env,
            reject: false,
          });
          if (p.exitCode !== 0) throw new KfcError(`the node could not pull ${n.name}: ${p.stderr.split('\n')[0]}`);
          const fetched = blobFetches(registry.logLines().slice(before - 1));
          const m = manifests.get(n.name)!;
          const parent = n.parent && manifests.has(n.parent.name) ? n.parent.name : undefined;
          const parentLayers = new Set(parent ? manifests.get(parent)!.layers.map((l) => l.digest) : []);
          rows.push({
            image: n.name,
            parent,
            imageBytes: m.config.size + m.layers.reduce((a, l) => a + l.size, 0),
            pulledBytes: fetched.reduce((a, f) => a + f.bytes, 0),
            blobs: fetched.length,
            sharedWithParentBytes: m.layers.filter((l) => parentLayers.has(l.digest)).reduce((a, l) => a + l.size, 0),
            seconds: Math.round((Date.now() - t0) / 100) / 10,
          });
          const row = rows[rows.length - 1]!;
          log(
            `kfc node-pull: pulled ${n.name} in ${row.seconds} s: ${row.pulledBytes} of ${row.imageBytes} bytes` +
              ` (${row.blobs} blobs; ${row.sharedWithParentBytes} shared with ${row.parent ?? 'no parent'})`,
          );
        }
      } finally {
        await node?.stop();
        await registry.stop();
        for (const t of pushed) await execa('/usr/bin/docker', ['rmi', t], { reject: false });
        await removeTree(work);
      }
      if (wantsJson(cmd)) printJson({ images: rows });
      else process.stdout.write(formatPullTable(rows) + '\n');
    });
}
