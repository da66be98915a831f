/**
 * `kfc node-pull`'s selection: which images a node pulls (the named ones, or every one whose
 * test.nodePull is on, with their ancestors built here first), under which references, and which of
 * them get the Kubeflow-contract smoke; then the pull itself (`node-pull.ts`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { imageExists, requireEngine } from '../engine/docker.ts';
import { resolveRefs } from '../engine/refs.ts';
import { KfcError } from '../errors.ts';
import { COLD_FIGURES, type ColdFigures, type LayerCompression } from '../report/cold-figures.ts';
import { type ColdResult, coldPull } from './cold-pull.ts';
import { DEFAULT_COMPRESSIONS } from './compression.ts';
import { nodeDockerd } from './node-engine.ts';
import { type NodePullResult, nodePull } from './node-pull.ts';

export interface NodePullRequest {
  /** The images named (parsed against the catalog), or every image with test.nodePull on (`all`). */
  named: ImageNode[];
  all: boolean;
  repo?: string;
  tag?: string;
  /** Smoke-test the named published images on the node (default on). */
  smoke?: boolean;
  resultCache?: boolean;
  log: (line: string) => void;
}

/** The images built here that a node pulls for req (the named ones and their ancestors), and their references. */
async function builtNodes(catalog: Catalog, req: NodePullRequest) {
  await requireEngine();
  if (process.getuid?.() !== 0)
    throw new KfcError('kfc node-pull starts a second dockerd: it needs root', { hint: 'run it as root (CI does)' });
  const { refOf, tag } = await resolveRefs(catalog, req);
  // A node pulls a child after its parent: the named images' ancestors built here come first.
  const wanted = new Set(req.named.flatMap((n) => n.chain.map((c) => c.name)));
  const nodes: ImageNode[] = [];
  const missing: string[] = [];
  for (const n of catalog.order.filter((x) => wanted.has(x.name)))
    if (await imageExists(refOf(n))) nodes.push(n);
    else missing.push(n.name);
  const namedSet = new Set(req.named.map((n) => n.name));
  const namedMissing = req.all ? [] : missing.filter((m) => namedSet.has(m));
  if (namedMissing.length || !nodes.length)
    throw new KfcError(
      `not built here with tag "${tag}": ${(namedMissing.length ? namedMissing : missing).join(', ')}`,
      { hint: 'kfc build IMAGE first, or pass --tag/--repo' },
    );
  if (missing.length) req.log(`kfc node-pull: not built here, left out: ${missing.join(', ')}`);
  return { nodes, refOf, tag, namedSet };
}

export async function nodePullImages(catalog: Catalog, req: NodePullRequest): Promise<NodePullResult> {
  const { nodes, refOf, tag, namedSet } = await builtNodes(catalog, req);
  // The smoke: every named published image (--all: every published image whose test.nodePull is on).
  const smoke = req.smoke === false ? [] : nodes.filter((n) => namedSet.has(n.name) && n.spec.publish);
  return nodePull({ nodes, refOf, tag, smoke, resultCache: req.resultCache, log: req.log });
}

/**
 * `kfc node-pull --cold`: the named images built here, each timed on fresh nodes to its ready path, once per
 * compression; the figures also go to reports/cold-node.json for kfc report.
 */
export async function coldPullImages(
  catalog: Catalog,
  req: NodePullRequest & { compressions?: readonly LayerCompression[] },
): Promise<ColdResult> {
  const { nodes, refOf, tag, namedSet } = await builtNodes(catalog, req);
  const named = nodes.filter((n) => namedSet.has(n.name));
  const cold = await coldPull({
    named,
    built: new Set(nodes.map((n) => n.name)),
    refOf,
    tag,
    compressions: req.compressions ?? DEFAULT_COMPRESSIONS,
    dockerd: nodeDockerd(),
    log: req.log,
  });
  mkdirSync(join(catalog.root, 'reports'), { recursive: true });
  const figures: ColdFigures = { at: new Date().toISOString(), tag, ...cold };
  writeFileAtomic.sync(join(catalog.root, COLD_FIGURES), `${JSON.stringify(figures, null, 2)}\n`);
  return cold;
}
