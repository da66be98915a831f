/**
 * The effectful half of kfc referee, on an archive already saved and read by kfc (src/report/run.ts):
 * dive on the same file, and one Trivy pass (secrets, and vulnerabilities with a DB, every package
 * listed) from which the CycloneDX SBOM is converted and the vulnerability gate is computed. Every
 * tool judges the same bytes; the image is saved once.
 */

import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import type { VulnGate } from '../catalog/schema.ts';
import { KfcError } from '../errors.ts';
import type { ArchiveImage } from '../metrics/archive/image-archive.ts';
import { analyzeLayers } from '../metrics/efficiency.ts';
import { crossCheck, parseDiveCi } from './dive.ts';
import { directoryRemovedBytes } from './dive-style.ts';
import type { RefereeImage } from './model.ts';
import type { DiveSetup, RefereeSetup, TrivySetup } from './setup.ts';
import { sbomCounts, type TrivyReport, trivySecrets, vulnCounts } from './trivy.ts';
import { judgeVulns } from './vuln-gate.ts';

/** An image's archive as saved and read by kfc. */
export interface SavedArchive {
  name: string;
  ref: string;
  id: string;
  file: string;
  image: ArchiveImage;
  bytes: number;
  seconds: { save: number; kfc: number };
}

export interface RefereeOptions {
  setup: RefereeSetup;
  /** Where Trivy's JSON report is written (and removed) next to the archive. */
  workDir: string;
  /** Where <image>.cdx.json is kept. */
  sbomDir: string;
  /** The efficiency gate (images.yaml); 0 when the catalog gates none. */
  minEfficiency: number;
  /** The catalog's vulnerability gate for this image (images.yaml gates.vulnerabilities). */
  gate?: VulnGate;
  log: (s: string) => void;
}

const secs = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;

async function run(bin: string, args: string[], what: string, okCodes = [0]) {
  const r = await execa(bin, args, { reject: false, all: true, env: { NO_COLOR: '1' } });
  if (!okCodes.includes(r.exitCode ?? -1)) {
    const tail = (r.all ?? '')
      .split('\n')
      .filter((l) => l.trim())
      .slice(-3)
      .join(' | ');
    throw new KfcError(`${what} failed (exit ${r.exitCode}): ${tail}`, { hint: `run: ${bin} ${args.join(' ')}` });
  }
  return r;
}

/** Java archives: Trivy identifies them through its Java DB, which it would download. */
const JAVA_ARCHIVES = ['**/*.jar', '**/*.war', '**/*.ear', '**/*.par'];

/** Flags that keep Trivy off the network (no version check, no telemetry). */
const QUIET = ['--quiet', '--skip-version-check', '--disable-telemetry'];

/**
 * Trivy flags for a scan that never reaches the network (no DB download). Without a Java DB in the
 * cache, Java archives are skipped (Trivy would try to fetch the DB and fail).
 */
export function trivyOffline(t: Pick<TrivySetup, 'cacheDir' | 'javaDb'>): string[] {
  const flags = [
    '--cache-dir',
    t.cacheDir,
    '--skip-db-update',
    '--skip-java-db-update',
    '--offline-scan',
    ...QUIET,
    // Trivy's default 5 min ran out on jupyterlab-cpu's secret scan on a busy 2-core machine.
    '--timeout',
    '30m',
  ];
  if (!t.javaDb) for (const g of JAVA_ARCHIVES) flags.push('--skip-files', g);
  return flags;
}

async function runDive(a: SavedArchive, dive: DiveSetup, o: RefereeOptions) {
  const args = ['--ci', '--ci-config', dive.ciConfig, '--source', 'docker-archive', a.file];
  // An images.yaml gate that differs from .dive-ci's goes to dive too: both tools judge one threshold.
  if (o.minEfficiency !== dive.configEfficiency) args.push('--lowestEfficiency', String(o.minEfficiency));
  const r = await run(dive.bin, args, `dive ${a.name}`, [0, 1]);
  const m = analyzeLayers(a.image.layers);
  const kfc = {
    efficiency: m.efficiency,
    wastedBytes: m.wastedBytes,
    minBytes: m.minBytes,
    cumulativeBytes: m.cumulativeBytes,
    directoryRemovedBytes: directoryRemovedBytes(a.image.layers),
    minEfficiency: o.minEfficiency,
  };
  return crossCheck(a.name, kfc, parseDiveCi(r.all ?? ''));
}

/**
 * One Trivy pass: every finding (no allowlist: Trivy would otherwise read a .trivyignore from the
 * working directory) and every package, as JSON; the SBOM is converted from it.
 */
async function runTrivy(a: SavedArchive, t: TrivySetup, o: RefereeOptions) {
  const report = join(o.workDir, `${a.name}.trivy.json`);
  try {
    const scanners = t.vulns ? 'vuln,secret' : 'secret';
    await run(
      t.bin,
      [
        'image',
        ...trivyOffline(t),
        '--input',
        a.file,
        '--scanners',
        scanners,
        '--list-all-pkgs',
        '--format',
        'json',
      ].concat(['--ignorefile', '/dev/null', '--output', report]),
      `trivy scan ${a.name}`,
    );
    mkdirSync(o.sbomDir, { recursive: true });
    const sbomFile = join(o.sbomDir, `${a.name}.cdx.json`);
    await run(
      t.bin,
      ['convert', '--quiet', '--cache-dir', t.cacheDir, '--format', 'cyclonedx', '--output', sbomFile, report],
      `trivy convert ${a.name}`,
    );
    const json = JSON.parse(readFileSync(report, 'utf8')) as TrivyReport;
    const sbom = { ...sbomCounts(JSON.parse(readFileSync(sbomFile, 'utf8'))), file: sbomFile };
    return { json, sbom };
  } finally {
    rmSync(report, { force: true });
  }
}

export async function refereeArchive(a: SavedArchive, o: RefereeOptions): Promise<RefereeImage> {
  const problems: string[] = [];
  const result: RefereeImage = {
    name: a.name,
    ref: a.ref,
    id: a.id,
    archiveBytes: a.bytes,
    seconds: { ...a.seconds },
    problems,
    notes: [],
    measuredAt: new Date().toISOString(),
  };
  const { dive, trivy } = o.setup;
  if (dive) {
    const t0 = performance.now();
    result.dive = await runDive(a, dive, o);
    result.seconds.dive = secs(t0);
    problems.push(...result.dive.problems.map((p) => `dive vs kfc: ${p}`));
  }
  if (trivy) {
    if (!trivy.javaDb)
      result.notes.push(
        `Java archives (${JAVA_ARCHIVES.join(' ')}) not in the SBOM: no Trivy Java DB in ${trivy.cacheDir}`,
      );
    const t0 = performance.now();
    const { json, sbom } = await runTrivy(a, trivy, o);
    result.sbom = sbom;
    result.secrets = trivySecrets(json);
    for (const f of result.secrets)
      problems.push(`secret: ${f.rule} (${f.severity}) in ${f.target}${f.line ? `:${f.line}` : ''}`);
    if (trivy.vulns) {
      result.vulns = vulnCounts(json);
      if (o.gate) judgeGate(result, json, o.gate, trivy);
    }
    result.seconds.trivy = secs(t0);
  }
  return result;
}

/** The catalog's gate on the findings ignore-unfixed and the allowlist leave. */
function judgeGate(result: RefereeImage, json: TrivyReport, gate: VulnGate, trivy: TrivySetup): void {
  const v = judgeVulns(json, gate, trivy.ignored);
  result.vulnGate = {
    max: gate.max,
    ignoreUnfixed: gate.ignoreUnfixed,
    ...(trivy.ignoreFile ? { ignoreFile: trivy.ignoreFile } : {}),
    counts: v.counts,
    pass: !v.breaches.length,
  };
  const how = [gate.ignoreUnfixed ? 'fixed ones only' : '', trivy.ignoreFile ? `not in ${trivy.ignoreFile}` : '']
    .filter(Boolean)
    .map((h) => `, ${h}`)
    .join('');
  for (const b of v.breaches) result.problems.push(`vulnerabilities: ${b}${how}`);
}

/** The SBOM file's text, to keep with a cached verdict (undefined when there is none). */
export function sbomText(r: RefereeImage): string | undefined {
  return r.sbom && existsSync(r.sbom.file) ? readFileSync(r.sbom.file, 'utf8') : undefined;
}
