/**
 * A node's pull (`kfc node-pull`): images go, parents first, to a throwaway htpasswd registry and
 * into "a node" (a second, empty dockerd: the build engine's images and cache stay), one at a time:
 * push, pull, check the three accounts of what moved, drop the registry blobs no later image needs,
 * optionally run the image's suites against the node's pulled image (DOCKER_HOST = the node), and
 * remove from the node the images no later image descends from.
 */

import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { dockerBin } from '../engine/docker.ts';
import { cleanupOnInterrupt } from '../engine/signals.ts';
import { KfcError } from '../errors.ts';
import { inspect } from '../report/docker-engine.ts';
import { runSuites, type SuiteResult } from '../testing/run.ts';
import { type NodeEngine, type Registry, removeTree, startNodeEngine, startRegistry } from './node-engine.ts';
import { blobsToDelete, type ManifestV2, pullAccounts } from './pull-accounts.ts';
import { blobFetches, type PullFigure } from './pull-bytes.ts';

interface NodePullRow extends PullFigure {
  seconds: number;
  /** Layer counts of the three accounts (registry log, manifest minus the node's, docker pull). */
  accounts: { registry: number; manifest: number; node: number };
  problems: string[];
  /** Registry bytes freed after this pull (blobs no later image needs). */
  freedBytes: number;
}

export interface NodePullResult {
  images: NodePullRow[];
  /** Most bytes the registry's storage and the node's data root held together (du, after each step). */
  peakDiskBytes: number;
  tests?: Record<string, SuiteResult>;
  problems: string[];
}

export interface NodePullOptions {
  /** Images in catalog order, parents first, each built here as refOf(node). */
  nodes: ImageNode[];
  refOf: (node: ImageNode) => string;
  tag: string;
  /** Images whose suites run on the node afterwards (none: no tests). */
  test?: ImageNode[];
  log?: (line: string) => void;
}

async function registryManifest(registry: Registry, name: string, tag: string): Promise<ManifestV2> {
  const auth = Buffer.from(`${registry.user}:${registry.password}`).toString('base64');
  const r = await fetch(`http://${registry.host}/v2/${name}/manifests/${tag}`, {
    headers: { Authorization: `Basic ${auth}`, Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  if (r.status !== 200) throw new KfcError(`registry ${registry.host}: manifest ${name}:${tag} answered ${r.status}`);
  return (await r.json()) as ManifestV2;
}

async function diskBytes(dir: string): Promise<number> {
  const r = await execa('du', ['-sbx', dir], { reject: false });
  return Number(r.stdout.split('\t')[0]) || 0;
}

const lastLine = (s: string) =>
  s
    .split('\n')
    .filter((l) => l.trim())
    .slice(-1)[0] ?? '';

export async function nodePull(catalog: Catalog, opts: NodePullOptions): Promise<NodePullResult> {
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const docker = dockerBin();
  const work = mkdtempSync(join(tmpdir(), 'kfc-node-'));
  const dockerConfig = join(work, 'docker-config');
  mkdirSync(dockerConfig);
  const mainEnv = { DOCKER_CONFIG: dockerConfig };
  const rows: NodePullRow[] = [];
  const problems: string[] = [];
  const pushed: string[] = [];
  let registry: Registry | undefined;
  let node: NodeEngine | undefined;
  let peak = 0;
  const measure = async () => {
    peak = Math.max(peak, await diskBytes(work));
  };
  let tests: Record<string, SuiteResult> | undefined;
  let cleaned: Promise<void> | undefined;
  // Once, from finally or from Ctrl-C/SIGTERM: a node, a registry and iptables rules must not outlive kfc.
  const cleanup = () =>
    (cleaned ??= (async () => {
      await node?.stop();
      await registry?.stop();
      for (const t of pushed) await execa(docker, ['rmi', t], { reject: false });
      await removeTree(work);
    })());
  const offInterrupt = cleanupOnInterrupt(() => {
    log('kfc node-pull: interrupted: stopping the node and the registry');
    return cleanup();
  });
  try {
    registry = await startRegistry(join(work, 'registry'));
    const login = await execa(docker, ['login', '-u', registry.user, '--password-stdin', registry.host], {
      input: registry.password,
      env: mainEnv,
      reject: false,
    });
    if (login.exitCode !== 0) throw new KfcError(`docker login ${registry.host} failed: ${lastLine(login.stderr)}`);
    node = await startNodeEngine(join(work, 'node'), dockerConfig);
    // The uncompressed layers of every image, to keep the registry blobs a later image still needs.
    const diffIds = new Map<string, string[]>();
    for (const n of opts.nodes) diffIds.set(n.name, (await inspect(opts.refOf(n)))?.diffIds ?? []);
    const manifests = new Map<string, ManifestV2>();
    // Images on the node now: one no later image descends from goes once pulled (and tested), as a
    // node's image GC would, so the node holds one branch of the tree at a time.
    const onNodeImages = new Set<string>();
    const testSet = new Set((opts.test ?? []).map((n) => n.name));
    for (const [i, n] of opts.nodes.entries()) {
      const target = `${registry.host}/kfc-node/${n.name}:${opts.tag}`;
      await execa(docker, ['tag', opts.refOf(n), target]);
      pushed.push(target);
      const p = await execa(docker, ['push', target], { env: mainEnv, reject: false });
      if (p.exitCode !== 0) throw new KfcError(`docker push ${target} failed: ${lastLine(p.stderr)}`);
      await execa(docker, ['rmi', target], { reject: false });
      const m = await registryManifest(registry, `kfc-node/${n.name}`, opts.tag);
      manifests.set(n.name, m);
      await measure();
      const before = registry.logLines().length;
      const t0 = Date.now();
      const pull = await execa(docker, ['pull', target], { env: node.env, reject: false });
      if (pull.exitCode !== 0) throw new KfcError(`the node could not pull ${n.name}: ${lastLine(pull.stderr)}`);
      const seconds = Math.round((Date.now() - t0) / 100) / 10;
      const fetched = blobFetches(registry.logLines().slice(before - 1));
      const onNode = new Set([...onNodeImages].flatMap((x) => manifests.get(x)!.layers.map((l) => l.digest)));
      const acc = pullAccounts(m, onNode, fetched, pull.stdout);
      const pulledImage = await execa(docker, ['image', 'inspect', '--format', '{{len .RootFS.Layers}}', target], {
        env: node.env,
        reject: false,
      });
      if (Number(pulledImage.stdout) !== m.layers.length)
        acc.problems.push(`the node's image has ${pulledImage.stdout || 'no'} layers, its manifest ${m.layers.length}`);
      const parent = n.parent && manifests.has(n.parent.name) ? n.parent.name : undefined;
      const parentLayers = new Set(parent ? manifests.get(parent)!.layers.map((l) => l.digest) : []);
      const sum = (ls: { size: number }[]) => ls.reduce((a, l) => a + l.size, 0);
      await measure();
      const laterLayers = new Set(opts.nodes.slice(i + 1).flatMap((x) => diffIds.get(x.name) ?? []));
      const freedBytes = await registry.dropBlobs(blobsToDelete(m, diffIds.get(n.name) ?? [], laterLayers));
      const row: NodePullRow = {
        image: n.name,
        parent,
        imageBytes: m.config.size + sum(m.layers),
        pulledBytes: fetched.reduce((a, f) => a + f.bytes, 0),
        blobs: fetched.length,
        sharedWithParentBytes: sum(m.layers.filter((l) => parentLayers.has(l.digest))),
        presentBytes: sum(m.layers.filter((l) => onNode.has(l.digest))),
        seconds,
        accounts: { registry: acc.registry.length, manifest: acc.manifest.length, node: acc.node.length },
        problems: acc.problems,
        freedBytes,
      };
      rows.push(row);
      onNodeImages.add(n.name);
      for (const p of acc.problems) problems.push(`${n.name}: ${p}`);
      log(
        `kfc node-pull: ${n.name}: pulled ${row.pulledBytes} of ${row.imageBytes} bytes in ${seconds} s` +
          ` (${row.blobs} blobs; ${row.presentBytes} already on the node, ${row.sharedWithParentBytes} shared with` +
          ` ${parent ?? 'no parent'}); accounts ${acc.registry.length}/${acc.manifest.length}/${acc.node.length}` +
          ` layers${acc.problems.length ? `: DISAGREE: ${acc.problems.join('; ')}` : ' agree'}`,
      );
      if (testSet.has(n.name)) {
        log(`kfc node-pull: ${n.name}: its suites against the node's image (DOCKER_HOST=${node.host})`);
        const r = await runSuites(catalog, [n], { refOf: () => target, env: node.env, log });
        tests = { ...tests, ...r };
        await measure();
        if (!r[n.name]?.ok) problems.push(`${n.name}: its suites failed on the node`);
      }
      const later = opts.nodes.slice(i + 1);
      for (const x of [...onNodeImages])
        if (!later.some((l) => l.chain.some((c) => c.name === x))) {
          await execa(docker, ['rmi', `${registry.host}/kfc-node/${x}:${opts.tag}`], { env: node.env, reject: false });
          onNodeImages.delete(x);
        }
    }
  } finally {
    offInterrupt();
    await cleanup();
  }
  return { images: rows, peakDiskBytes: peak, tests, problems };
}
