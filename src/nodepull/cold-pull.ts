/**
 * The cold-node benchmark (`kfc node-pull --cold`): serial, not part of CI. The images go to the same
 * throwaway htpasswd registry as node-pull's (scratch.ts); for each run of the plan (cold-plan.ts) a
 * fresh, empty node (a second dockerd with a new data root) pulls the parent untimed when the case has
 * it, then the image, timed, and starts it under the Kubeflow contract (node-smoke.ts, no kernel step)
 * until the catalog's ready path answers 200. Timed apart: transfer and unpack (pull-phases.ts), the
 * container's start, the server's readiness. Bytes from the registry's access log, layers from the
 * manifest. Nothing is cached and nothing signed: it measures the wait, node-pull checks the content.
 * Each compression asked for (compression.ts) gets a scratch of its own, one after the other (disk is
 * tight): skopeo writes the images as OCI with layers so compressed, and the nodes run `dockerd` (by default
 * the provisioned engine that pulls zstd, node-engine.ts), so gzip and zstd differ in nothing else.
 */

import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import type { ImageNode } from '../catalog/model.ts';
import { dockerBin, inspectImage } from '../engine/docker.ts';
import { lastLine } from '../engine/last-line.ts';
import { KfcError } from '../errors.ts';
import type { ColdFigures, ColdRow, LayerCompression } from '../report/cold-figures.ts';
import { coldPlan } from './cold-plan.ts';
import { pullsZstd } from './compression.ts';
import { type NodeEngine, PROVISIONED_NODE_DOCKERD } from './node-engine.ts';
import { runSmoke, smokePlan } from './node-smoke.ts';
import { blobsToDelete } from './pull-accounts.ts';
import { blobFetches } from './pull-bytes.ts';
import { pullPhases, type TimedLine } from './pull-phases.ts';
import { type Scratch, withScratch } from './scratch.ts';

export type ColdResult = Omit<ColdFigures, 'at' | 'tag'>;

export interface ColdOptions {
  /** The images to time, in catalog order. */
  named: ImageNode[];
  /** Images built here (the named ones and the parents that can be on the node). */
  built: ReadonlySet<string>;
  refOf: (node: ImageNode) => string;
  tag: string;
  /** One run of the plan per compression, in this order. */
  compressions: readonly LayerCompression[];
  /** The nodes' dockerd (node-engine.ts nodeDockerd). */
  dockerd: string;
  log?: (line: string) => void;
}

/** The machine's load as uptime(1) says it, from the kernel's figures. */
const uptime = async () =>
  `${new Date().toISOString().slice(11, 19)} load average: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')} (${cpus().length} cores)`;

/** A node's failed pull: one line; zstd on an engine before 23 names the fallback. */
function pullFailed(ref: string, stderr: string, node: NodeEngine, compression: LayerCompression): KfcError {
  if (compression === 'zstd')
    return new KfcError(
      `the node (Docker ${node.version}) could not pull ${ref}, whose layers are zstd: ${lastLine(stderr)}`,
      {
        hint: pullsZstd(node.version)
          ? "--compression gzip, or see the node's dockerd.log"
          : `--compression gzip, or a node engine that pulls zstd (Docker 23 or later: ${PROVISIONED_NODE_DOCKERD}, ` +
            'from scripts/provision.sh --all)',
      },
    );
  return new KfcError(`the node could not pull ${ref}: ${lastLine(stderr)}`);
}

/** docker pull on the node, each status line timed as it arrives. */
async function timedPull(ref: string, node: NodeEngine, compression: LayerCompression) {
  const env = node.env;
  const lines: TimedLine[] = [];
  const t0 = performance.now();
  const p = execa(dockerBin(), ['pull', ref], { env, reject: false });
  let rest = '';
  p.stdout?.on('data', (chunk: Buffer) => {
    const at = performance.now() - t0;
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) lines.push({ atMs: at, line });
  });
  const r = await p;
  const pullMs = Math.round(performance.now() - t0);
  if (r.exitCode !== 0) throw pullFailed(ref, r.stderr, node, compression);
  return { pullMs, ...pullPhases(lines, pullMs) };
}

export async function coldPull(opts: ColdOptions): Promise<ColdResult> {
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const docker = dockerBin();
  const byName = new Map(opts.named.flatMap((n) => n.chain).map((n) => [n.name, n]));
  const runs = coldPlan(
    opts.named.map((n) => ({
      name: n.name,
      ...(n.parent && opts.built.has(n.parent.name) ? { parent: n.parent.name } : {}),
    })),
  );
  const diffIds = new Map<string, string[]>();
  for (const name of new Set(runs.flatMap((r) => r.push))) {
    const i = await inspectImage(opts.refOf(byName.get(name)!));
    if (!i) throw new KfcError(`${opts.refOf(byName.get(name)!)} is not in the build engine`);
    diffIds.set(name, i.layers);
  }
  const skopeo = await execa('skopeo', ['--version'], { reject: false });
  if (skopeo.exitCode !== 0)
    throw new KfcError('skopeo is not installed: a cold run writes its gzip or zstd layers with it', {
      hint: 'bash scripts/provision.sh --all (Debian: apt-get install skopeo)',
    });
  const start = await uptime();
  log(`kfc node-pull --cold: load at start: ${start}; nodes run ${opts.dockerd}`);
  const rows: ColdRow[] = [];
  const problems: string[] = [];
  const node = { dockerd: opts.dockerd, version: '' };
  let peak = 0;
  for (const compression of opts.compressions) {
    const prefix = 'kfc-node-cold-';
    await withScratch({ prefix, verb: 'kfc node-pull --cold', tag: opts.tag, log }, async (scratch: Scratch) => {
      const { registry: reg, repo, target } = scratch;
      // Layers a later run pulls stay (by uncompressed digest: images share them by it).
      const later = (i: number) =>
        new Set(runs.slice(i + 1).flatMap((r) => [...r.preload, r.image].flatMap((x) => diffIds.get(x)!)));
      for (const [i, run] of runs.entries()) {
        for (const name of run.push) {
          const t0 = performance.now();
          await scratch.push(name, opts.refOf(byName.get(name)!), compression);
          const took = ((performance.now() - t0) / 1000).toFixed(1);
          log(`kfc node-pull --cold: ${name}: written ${compression} and pushed in ${took} s`);
        }
        const nodeEngine = await scratch.startNode(`node-${i}`, opts.dockerd);
        node.version = nodeEngine.version;
        for (const p of run.preload) {
          const r = await execa(docker, ['pull', target(p)], { env: nodeEngine.env, reject: false });
          if (r.exitCode !== 0) throw pullFailed(target(p), r.stderr, nodeEngine, compression);
        }
        const { manifest: m } = await scratch.manifest(run.image, opts.tag);
        const logStart = reg.logLines().length;
        const pull = await timedPull(target(run.image), nodeEngine, compression);
        const fetched = blobFetches(reg.logLines().slice(logStart - 1), repo(run.image));
        const layerSet = new Set(m.layers.map((l) => l.digest));
        peak = Math.max(peak, await scratch.diskBytes());
        const n = byName.get(run.image)!;
        const plan = { ...smokePlan(n), kernel: false };
        const smoke = await runSmoke(run.image, target(run.image), plan, nodeEngine.env);
        const f = smoke.figures;
        const row: ColdRow = {
          image: run.image,
          case: run.case,
          compression,
          onNode: run.preload,
          layers: m.layers.length,
          pulledLayers: fetched.filter((x) => layerSet.has(x.digest)).length,
          imageBytes: m.config.size + m.layers.reduce((a, l) => a + l.size, 0),
          pulledBytes: fetched.reduce((a, x) => a + x.bytes, 0),
          ...pull,
          startMs: f.runMs,
          readyMs: Math.max(0, f.readyMs - f.runMs),
          totalMs: pull.pullMs + f.readyMs,
          path: f.path,
          problems: smoke.problems.map((p) => `smoke: ${p}`),
        };
        rows.push(row);
        for (const p of row.problems) problems.push(`${run.image} (${run.case}, ${compression}): ${p}`);
        const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
        log(
          `kfc node-pull --cold: ${run.image} (${run.case}, ${compression}): ${row.pulledBytes} bytes, ` +
            `${row.pulledLayers}/${row.layers} layers; transfer ${sec(row.transferMs)}, unpack ` +
            `${sec(row.unpackMs)}, start ${sec(row.startMs)}, ready ${sec(row.readyMs)}: ${f.path} answered 200 ` +
            `${sec(row.totalMs)} after the pull began` +
            `${row.problems.length ? `: FAILED: ${row.problems.join('; ')}` : ''}`,
        );
        await nodeEngine.stop();
        const laterLayers = later(i);
        for (const name of run.dropAfter) {
          const { manifest } = await scratch.manifest(name, opts.tag);
          await reg.dropBlobs(blobsToDelete(manifest, diffIds.get(name)!, laterLayers));
        }
      }
    });
  }
  return { rows, node, load: { start, end: await uptime() }, peakDiskBytes: peak, problems };
}
