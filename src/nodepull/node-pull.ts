/**
 * A node's pull (`kfc node-pull`): images go, parents first, to a throwaway htpasswd registry and
 * into "a node" (a second, empty dockerd that pulls zstd: the build engine's images and cache stay). Each
 * is pushed as the build's config and zstd layers (kept-layers.ts: from kfc report's one save, else one
 * save here), so the node's image ID is the build's. While the node pulls one image the next is pushed.
 * For each: the three accounts of what moved, the pulled image's ID against the build's (content
 * identity), the registry blobs no later image needs dropped, a
 * Kubeflow-contract smoke test on the node (node-smoke.ts), and the images no later pull needs removed
 * from the node. Each pushed image is signed by digest with a key pair made for the run, its CycloneDX
 * SBOM attested (src/signing); before the node pulls it, the signature and the attestation of what its
 * tag points at are verified with that key, and the node pulls the digest that verified, never the tag:
 * an image that does not verify is refused (its row fails with one line naming image and digest). Each
 * image's row is kept by content (node-pull-key.ts); a cached row is not run again, and when every row
 * is cached no registry or node starts.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { LayerBlobs, ZSTD_LEVEL, zstdVersionOf } from '../blobs/layer-blobs.ts';
import { ResultStore } from '../cache/store.ts';
import type { ImageNode } from '../catalog/model.ts';
import { dockerBin, inspectImage } from '../engine/docker.ts';
import { lastLine } from '../engine/last-line.ts';
import { KfcError } from '../errors.ts';
import { cosignVersion, throwawayKeyPair } from '../signing/cosign.ts';
import { sbomFor } from '../signing/sbom.ts';
import { type SignResult, signImage, type VerifyResult, verifyImage } from '../signing/signing.ts';
import { pullsZstd } from './compression.ts';
import { keepLayers, pruneLayerStore } from './kept-layers.ts';
import { nodeDockerd, PROVISIONED_NODE_DOCKERD } from './node-engine.ts';
import { heldBefore, planPulls } from './node-plan.ts';
import { nodePullKey, nodePullSourceDigest } from './node-pull-key.ts';
import { runSmoke, type SmokeFigures, type SmokePlan, smokePlan } from './node-smoke.ts';
import { blobsToDelete, identityProblem, type ManifestV2, pullAccounts } from './pull-accounts.ts';
import { blobFetches, type PullFigure } from './pull-bytes.ts';
import { withScratch } from './scratch.ts';

interface NodePullRow extends PullFigure {
  seconds: number;
  /** Layer counts of the three accounts (registry log, manifest minus the node's, docker pull). */
  accounts: { registry: number; manifest: number; node: number };
  /** The build engine's image ID and the one the node pulled: the same, or a problem. */
  imageId: string;
  nodeImageId: string;
  /** The Kubeflow-contract smoke on the node (published images named, unless --no-smoke). */
  smoke?: SmokeFigures;
  problems: string[];
  /** Registry bytes freed after this pull (blobs no later pull needs). */
  freedBytes: number;
  /** Signed after the push, verified before the pull (seconds each); the digest the node pulled. */
  signing: { digest: string; signSeconds: number; attestSeconds: number; verifySeconds?: number };
  /** Served from the result cache: its key and when it was stored. */
  cached?: { key: string; storedAt: string };
}

export interface NodePullResult {
  /** One row per image, in pull order (cached rows included). */
  images: NodePullRow[];
  /** Most bytes the registry's storage and the node's data root held together (du, after each step); 0: nothing ran. */
  peakDiskBytes: number;
  problems: string[];
}

export interface NodePullOptions {
  /** Images in catalog order, parents first, each built here as refOf(node). */
  nodes: ImageNode[];
  refOf: (node: ImageNode) => string;
  tag: string;
  /** Images whose Kubeflow contract is smoke-tested on the node (none: no smoke). */
  smoke?: ImageNode[];
  /** Keep and reuse rows by content (default on; KFC_TEST_CACHE=off turns it off too). */
  resultCache?: boolean;
  log?: (line: string) => void;
  /**
   * Runs after an image is pushed and signed, before its signature is verified and the node pulls it:
   * `ref` is its tag in the run's registry, `env` logs in to it (DOCKER_CONFIG). Tests re-push there.
   */
  beforeVerify?: (image: string, ref: string, env: Record<string, string>) => Promise<void>;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One line of what the smoke found. */
function smokeLine(s: SmokeFigures): string {
  const k = s.kernel;
  return (
    `${s.path} answered 200 in ${sec(s.readyMs)} (docker run ${sec(s.runMs)})` +
    (k ? `; kernel ${k.name} (${k.language}) idle in ${sec(k.startMs)}, deleted in ${sec(k.deleteMs)}` : '')
  );
}

const smokeKey = (plan: SmokePlan | undefined) => (plan ? `${plan.ready}${plan.kernel ? '+kernel' : ''}` : 'off');

/** The row of an image the node refused to pull: its signing figures and the one line why. */
function refusedRow(n: ImageNode, imageId: string, signed: SignResult, problem: string): NodePullRow {
  return {
    image: n.name,
    ...(n.parent ? { parent: n.parent.name } : {}),
    imageBytes: 0,
    pulledBytes: 0,
    blobs: 0,
    sharedWithParentBytes: 0,
    presentBytes: 0,
    seconds: 0,
    accounts: { registry: 0, manifest: 0, node: 0 },
    imageId,
    nodeImageId: '',
    problems: [problem],
    freedBytes: 0,
    signing: { digest: signed.digest, signSeconds: signed.signSeconds, attestSeconds: signed.attestSeconds },
  };
}

export async function nodePull(opts: NodePullOptions): Promise<NodePullResult> {
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const docker = dockerBin();
  const smokeSet = new Set((opts.smoke ?? []).map((n) => n.name));
  const plans = new Map(opts.nodes.map((n) => [n.name, smokeSet.has(n.name) ? smokePlan(n) : undefined]));

  // What each pull reads, for its key: the build's image IDs and uncompressed layers, versions, source.
  const built = new Map<string, { id: string; diffIds: string[] }>();
  for (const n of opts.nodes) {
    const i = await inspectImage(opts.refOf(n));
    if (!i) throw new KfcError(`${opts.refOf(n)} is not in the build engine`, { hint: 'kfc build it first' });
    built.set(n.name, { id: i.id, diffIds: i.layers });
  }
  const engineVersion = (await execa(docker, ['version', '--format', '{{.Server.Version}}'], { reject: false })).stdout;
  const dockerd = nodeDockerd();
  const nodeVersion = (await execa(dockerd, ['--version'], { reject: false })).stdout.trim();
  const skopeo = (await execa('skopeo', ['--version'], { reject: false })).stdout.trim();
  const registryVersion = (await execa('/usr/bin/docker-registry', ['--version'], { reject: false })).stdout.trim();
  const source = await nodePullSourceDigest();
  const verify = `cosign ${await cosignVersion()}: signed, SBOM attested, verified by a throwaway key; digest pulled`;
  const store = new ResultStore('node-pull', { enabled: opts.resultCache === false ? false : undefined, warn: log });
  const before = heldBefore(opts.nodes);
  const keys = new Map(
    opts.nodes.map((n, i) => [
      n.name,
      nodePullKey({
        imageId: built.get(n.name)!.id,
        onNode: before[i]!.map((x) => ({ name: x, id: built.get(x)!.id })),
        engineVersion: `build ${engineVersion}; node ${nodeVersion}`,
        registryVersion,
        layers: `zstd -${ZSTD_LEVEL} (${zstdVersionOf()}), the build's config, OCI layout pushed by ${skopeo}`,
        smoke: smokeKey(plans.get(n.name)),
        verify,
        source,
      }),
    ]),
  );
  const cachedRows = new Map<string, NodePullRow>();
  for (const n of opts.nodes) {
    const hit = store.get<NodePullRow>(keys.get(n.name)!.key);
    if (!hit) continue;
    const row: NodePullRow = { ...hit.value, cached: { key: hit.key, storedAt: hit.storedAt } };
    cachedRows.set(n.name, row);
    log(
      `kfc node-pull: ${n.name}: cached (key ${hit.key.slice(0, 12)}, stored ${hit.storedAt}):` +
        ` ${mb(row.pulledBytes)} of ${mb(row.imageBytes)} over the network in ${row.seconds} s` +
        (row.smoke ? `; smoke: ${smokeLine(row.smoke)}` : ''),
    );
  }
  const steps = planPulls(opts.nodes, new Set(cachedRows.keys()));
  const order = (rows: Map<string, NodePullRow>) => opts.nodes.flatMap((n) => rows.get(n.name) ?? []);
  if (!steps.length) {
    log('kfc node-pull: every image is cached: no registry or node started');
    return { images: order(cachedRows), peakDiskBytes: 0, problems: [] };
  }
  const setup = steps.filter((s) => s.cached).map((s) => s.name);
  if (setup.length)
    log(`kfc node-pull: pulled again for the node's state only (their rows are cached): ${setup.join(', ')}`);

  const fresh = new Map<string, NodePullRow>();
  const problems: string[] = [];
  // After an image is refused, later rows are not stored: the node does not hold what a whole run leaves.
  let refused = false;
  let peak = 0;
  const shared = new LayerBlobs(undefined, log);
  if (shared.on) await pruneLayerStore(shared, log);
  await withScratch({ prefix: 'kfc-node-', verb: 'kfc node-pull', tag: opts.tag, log }, async (scratch) => {
    const { work, dockerConfig, mainEnv, registry: reg, repo, target } = scratch;
    const measure = async () => {
      peak = Math.max(peak, await scratch.diskBytes());
    };
    const nd = await scratch.startNode('node', dockerd);
    if (!pullsZstd(nd.version))
      throw new KfcError(`the node's engine ${dockerd} is Docker ${nd.version}: it cannot pull zstd layers`, {
        hint: `Docker 23 or later: ${PROVISIONED_NODE_DOCKERD} (bash scripts/provision.sh --all), or KFC_NODE_DOCKERD`,
      });
    // Without a writable layer store (one warning given), the run keeps its layers in its scratch.
    const blobs = shared.on ? shared : new LayerBlobs(join(work, 'layer-blobs'), log);
    const keyDir = join(work, 'cosign');
    mkdirSync(keyDir);
    const pair = await throwawayKeyPair(keyDir);
    const byName = new Map(opts.nodes.map((n) => [n.name, n]));
    // Push the kept zstd layers, then sign what the registry holds by its digest and attest the image's SBOM
    // (kept by image ID).
    const push = async (name: string): Promise<SignResult> => {
      const ref = opts.refOf(byName.get(name)!);
      const { id, diffIds } = built.get(name)!;
      const own = await keepLayers(blobs, { name, ref, id, diffIds, work, log });
      let sbom: string;
      try {
        const layout = join(work, 'layouts', name);
        const { hardLinks } = blobs.writeLayout(layout, id, opts.tag);
        const t0 = Date.now();
        await scratch.pushLayout(name, layout, opts.tag);
        log(`kfc node-pull: ${name}: pushed (zstd layers, the build's config) in ${sec(Date.now() - t0)}`);
        const dir = join(work, 'sbom');
        // No SBOM kept for it: Trivy reads this run's save of it, else the layout just pushed (hard links only).
        const from = own.archive ? { archive: own.archive } : hardLinks ? { layout } : {};
        sbom = await sbomFor({ name, ref, id, dir, verb: 'kfc node-pull', log, ...from });
      } finally {
        own.drop();
      }
      const { digest } = await scratch.manifest(name, opts.tag);
      const signed = await signImage(`${reg.host}/${repo(name)}@${digest}`, sbom, {
        key: pair.key,
        password: pair.password,
        dockerConfig,
      });
      log(
        `kfc node-pull: ${name}: signed ${digest} in ${signed.signSeconds} s, SBOM attested in` +
          ` ${signed.attestSeconds} s (the run's throwaway key)`,
      );
      return signed;
    };
    /** The signature and the SBOM attestation of what the tag points at now, or the line that refuses it. */
    const verify = async (name: string): Promise<VerifyResult | string> => {
      try {
        return await verifyImage(target(name), pair.pub, { dockerConfig });
      } catch (e) {
        if (e instanceof KfcError) return e.message.replace(pair.pub, "the run's key");
        throw e;
      }
    };
    const manifests = new Map<string, ManifestV2>();
    // Images on the node now (as planned: what no later pull needs goes after each pull).
    const onNodeImages = new Set<string>();
    let pushing: Promise<SignResult> = push(steps[0]!.name);
    for (const [s, step] of steps.entries()) {
      const n = byName.get(step.name)!;
      const signed = await pushing;
      await opts.beforeVerify?.(n.name, target(n.name), mainEnv);
      const verified = await verify(n.name);
      // The next image goes up (and is signed) while this one comes down. Its traffic is writes and HEADs
      // to its own repository; the pull's account is the blob GETs of this image's repository only.
      const next = steps[s + 1];
      const pushNext = () => {
        if (!next) return;
        pushing = push(next.name);
        pushing.catch(() => undefined); // awaited at the next step; a failure is thrown there
      };
      if (typeof verified === 'string') {
        refused = true;
        log(`kfc node-pull: ${n.name}: REFUSED before the node pulled it: ${verified}`);
        const problem = `refused before the node pulled it: ${verified}`;
        problems.push(`${n.name}: ${problem}`);
        fresh.set(n.name, refusedRow(n, built.get(n.name)!.id, signed, problem));
        pushNext();
        continue;
      }
      log(
        `kfc node-pull: ${n.name}: verified ${verified.digest} (signature + SBOM attestation) in` +
          ` ${verified.seconds} s: the node pulls that digest`,
      );
      const { manifest: m } = await scratch.manifest(n.name, verified.digest);
      manifests.set(n.name, m);
      await measure();
      const logStart = reg.logLines().length;
      const t0 = Date.now();
      const pulling = execa(docker, ['pull', verified.digestRef], { env: nd.env, reject: false });
      pushNext();
      const pull = await pulling;
      if (pull.exitCode !== 0) throw new KfcError(`the node could not pull ${n.name}: ${lastLine(pull.stderr)}`);
      const seconds = Math.round((Date.now() - t0) / 100) / 10;
      // The smoke and the node's clean-up name the image by its tag (on the node only: the registry's moves).
      const tagged = await execa(docker, ['tag', verified.digestRef, target(n.name)], { env: nd.env, reject: false });
      if (tagged.exitCode !== 0) throw new KfcError(`the node could not tag ${n.name}: ${lastLine(tagged.stderr)}`);
      // The next push must be over before the log is read to its end and before blobs are dropped.
      if (next) await pushing;
      const fetched = blobFetches(reg.logLines().slice(logStart - 1), repo(n.name));
      const onNode = new Set([...onNodeImages].flatMap((x) => manifests.get(x)!.layers.map((l) => l.digest)));
      const acc = pullAccounts(m, onNode, fetched, pull.stdout);
      const pulled = await execa(
        docker,
        ['image', 'inspect', '--format', '{{.Id}} {{len .RootFS.Layers}}', target(n.name)],
        { env: nd.env, reject: false },
      );
      const [nodeImageId = '', nodeLayers = ''] = pulled.stdout.trim().split(' ');
      if (Number(nodeLayers) !== m.layers.length)
        acc.problems.push(`the node's image has ${nodeLayers || 'no'} layers, its manifest ${m.layers.length}`);
      const imageId = built.get(n.name)!.id;
      const identity = identityProblem(imageId, nodeImageId);
      if (identity) acc.problems.push(identity);
      const parent = n.parent && manifests.has(n.parent.name) ? n.parent.name : undefined;
      const parentLayers = new Set(parent ? manifests.get(parent)!.layers.map((l) => l.digest) : []);
      const sum = (ls: { size: number }[]) => ls.reduce((a, l) => a + l.size, 0);
      await measure();
      // No push runs now. A layer a later pull's image has (by uncompressed digest) stays: the next
      // image is already up and shares it by digest.
      const laterLayers = new Set(steps.slice(s + 1).flatMap((x) => built.get(x.name)!.diffIds));
      const freedBytes = await reg.dropBlobs(blobsToDelete(m, built.get(n.name)!.diffIds, laterLayers));
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
        imageId,
        nodeImageId,
        problems: acc.problems,
        freedBytes,
        signing: {
          digest: verified.digest,
          signSeconds: signed.signSeconds,
          attestSeconds: signed.attestSeconds,
          verifySeconds: verified.seconds,
        },
      };
      onNodeImages.add(n.name);
      log(
        `kfc node-pull: ${n.name}: pulled ${row.pulledBytes} of ${row.imageBytes} bytes in ${seconds} s` +
          ` (${row.blobs} blobs; ${row.presentBytes} already on the node, ${row.sharedWithParentBytes} shared with` +
          ` ${parent ?? 'no parent'}); accounts ${acc.registry.length}/${acc.manifest.length}/${acc.node.length}` +
          ` layers${acc.problems.length ? `: DISAGREE: ${acc.problems.join('; ')}` : ' agree, image ID the same'}` +
          (step.cached ? ' (for the node only: its row is cached)' : ''),
      );
      const plan = plans.get(n.name);
      if (plan && !step.cached) {
        const smoke = await runSmoke(n.name, target(n.name), plan, nd.env);
        row.smoke = smoke.figures;
        for (const p of smoke.problems) row.problems.push(`smoke: ${p}`);
        log(
          `kfc node-pull: ${n.name}: smoke on the node: ` +
            (smoke.problems.length ? `FAILED: ${smoke.problems.join('; ')}` : smokeLine(smoke.figures)),
        );
        await measure();
      }
      for (const p of row.problems) problems.push(`${n.name}: ${p}`);
      if (!step.cached) {
        fresh.set(n.name, row);
        const { key, parts } = keys.get(n.name)!;
        if (!row.problems.length && !refused) store.put(key, parts, row);
      }
      for (const x of step.dropAfter) {
        await execa(docker, ['rmi', target(x)], { env: nd.env, reject: false });
        onNodeImages.delete(x);
      }
    }
  });
  return { images: order(new Map([...cachedRows, ...fresh])), peakDiskBytes: peak, problems };
}
