/**
 * The scratch of a node pull (`kfc node-pull`, plain or --cold): a work directory, a throwaway htpasswd
 * registry the build engine is logged in to (the run's own DOCKER_CONFIG, the nodes read it too), the
 * nodes (second dockerds, node-engine.ts) started under it and what is pushed to the registry;
 * and their cleanup, once, when the run ends or on Ctrl-C/SIGTERM: a node, a registry and iptables rules
 * must not outlive kfc.
 */

import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { dockerBin } from '../engine/docker.ts';
import { lastLine } from '../engine/last-line.ts';
import { cleanupOnInterrupt } from '../engine/signals.ts';
import { KfcError } from '../errors.ts';
import type { LayerCompression } from '../report/cold-figures.ts';
import { imageRef } from '../tags/tags.ts';
import { type NodeEngine, type Registry, removeTree, startNodeEngine, startRegistry } from './node-engine.ts';
import type { ManifestV2 } from './pull-accounts.ts';

export interface Scratch {
  /** The run's directory: the registry's storage, the nodes' data roots and whatever else the run keeps. */
  work: string;
  /** The DOCKER_CONFIG logged in to the registry. */
  dockerConfig: string;
  /** The build engine's environment with that config. */
  mainEnv: Record<string, string>;
  registry: Registry;
  /** An image's repository in the registry (`kfc-node/NAME`). */
  repo(name: string): string;
  /** An image's reference in the registry, with the run's tag. */
  target(name: string): string;
  /**
   * skopeo copies the build engine's `ref` to target(name) as an OCI image with layers so compressed (skopeo
   * writes an OCI config: a new image ID; the cold-node benchmark's way).
   */
  push(name: string, ref: string, compression: LayerCompression): Promise<void>;
  /**
   * Pushes the image an OCI layout on disk holds as `tag` (src/blobs: the build's config, zstd layers) to
   * target(name), byte for byte (skopeo --preserve-digests: no blob or manifest is rewritten).
   */
  pushLayout(name: string, layout: string, tag: string): Promise<void>;
  /** The manifest a tag or digest of an image names in the registry, and its digest. */
  manifest(name: string, reference: string): Promise<{ manifest: ManifestV2; digest: string }>;
  /** A node under work/dir running `dockerd` (node-engine.ts); stopped by its stop() or by the cleanup. */
  startNode(dir: string, dockerd?: string): Promise<NodeEngine>;
  /** The bytes the work directory holds now (registry storage and nodes' data roots together; du). */
  diskBytes(): Promise<number>;
}

interface ScratchOptions {
  /** The work directory's name prefix under the system's temporary directory. */
  prefix: string;
  /** What the interrupt line names (`kfc node-pull`). */
  verb: string;
  tag: string;
  log: (line: string) => void;
}

/** Runs `body` with a fresh scratch, and cleans the scratch up after it (thrown or not) or on an interrupt. */
export async function withScratch<T>(opts: ScratchOptions, body: (s: Scratch) => Promise<T>): Promise<T> {
  const docker = dockerBin();
  const work = mkdtempSync(join(tmpdir(), opts.prefix));
  const dockerConfig = join(work, 'docker-config');
  mkdirSync(dockerConfig);
  const mainEnv = { DOCKER_CONFIG: dockerConfig };
  const nodes = new Set<NodeEngine>();
  let registry: Registry | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      for (const n of nodes) await n.stop();
      await registry?.stop();
      await removeTree(work);
    })());
  const offInterrupt = cleanupOnInterrupt(() => {
    opts.log(`${opts.verb}: interrupted: stopping the node and the registry`);
    return cleanup();
  });
  try {
    const reg = await startRegistry(join(work, 'registry'));
    registry = reg;
    const login = await execa(docker, ['login', '-u', reg.user, '--password-stdin', reg.host], {
      input: reg.password,
      env: mainEnv,
      reject: false,
    });
    if (login.exitCode !== 0) throw new KfcError(`docker login ${reg.host} failed: ${lastLine(login.stderr)}`);
    const repo = (name: string) => `kfc-node/${name}`;
    const target = (name: string) => imageRef(`${reg.host}/kfc-node`, name, opts.tag);
    /** skopeo copy of `source` to target(name) in the run's registry; `what` names the source in an error. */
    const copy = async (how: string[], source: string, name: string, what: string) => {
      const creds = `${reg.user}:${reg.password}`;
      const args = ['copy', '--quiet', '--dest-tls-verify=false', ...how, '--dest-creds', creds];
      const c = await execa('skopeo', [...args, source, `docker://${target(name)}`], { reject: false });
      if (c.exitCode !== 0) throw new KfcError(`skopeo copy of ${what} failed: ${lastLine(c.stderr)}`);
    };
    return await body({
      work,
      dockerConfig,
      mainEnv,
      registry: reg,
      repo,
      target,
      push: (name, ref, compression) =>
        copy(['--format', 'oci', '--dest-compress-format', compression], `docker-daemon:${ref}`, name, ref),
      pushLayout: (name, layout, tag) => copy(['--preserve-digests'], `oci:${layout}:${tag}`, name, `${name}'s layout`),
      async manifest(name, reference) {
        const auth = Buffer.from(`${reg.user}:${reg.password}`).toString('base64');
        const r = await fetch(`http://${reg.host}/v2/${repo(name)}/manifests/${reference}`, {
          headers: {
            Authorization: `Basic ${auth}`,
            // Docker's (docker push) or OCI's (skopeo): the same layers and config fields.
            Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
          },
        });
        const digest = r.headers.get('docker-content-digest') ?? '';
        if (r.status !== 200 || !digest.startsWith('sha256:'))
          throw new KfcError(`registry ${reg.host}: manifest ${repo(name)}:${reference} answered ${r.status}`);
        return { manifest: (await r.json()) as ManifestV2, digest };
      },
      async startNode(dir, dockerd) {
        const node = await startNodeEngine(join(work, dir), dockerConfig, dockerd);
        nodes.add(node);
        return {
          ...node,
          async stop() {
            await node.stop();
            nodes.delete(node);
          },
        };
      },
      async diskBytes() {
        const r = await execa('du', ['-sbx', work], { reject: false });
        return Number(r.stdout.split('\t')[0]) || 0;
      },
    });
  } finally {
    offInterrupt();
    await cleanup();
  }
}
