/**
 * The order of a node's pulls. The node keeps an image while a later image descends from it (as a
 * node's image GC would), so what it holds before each pull follows from the order alone; a pull whose
 * result is cached is skipped unless a pull that runs needs its image on the node first. Pure.
 */

export interface PlanNode {
  name: string;
  /** Root … self. */
  chain: readonly { name: string }[];
}

/** For each image of `order` (parents first), the images on the node just before its pull. */
export function heldBefore(order: readonly PlanNode[]): string[][] {
  const out: string[][] = [];
  let held: string[] = [];
  for (const [i, n] of order.entries()) {
    out.push([...held]);
    const later = order.slice(i + 1);
    held = [...held, n.name].filter((x) => later.some((l) => l.chain.some((c) => c.name === x)));
  }
  return out;
}

export interface PullStep {
  name: string;
  /** Its result is cached: it is pulled only because a later pull needs it on the node. */
  cached: boolean;
  /**
   * Images on the node before this pull in a run of the whole order: what an uncached pull finds there
   * (a cached one may find less; its figures come from the cache).
   */
  heldBefore: string[];
  /** Images the node removes after this pull: no later pull needs them. */
  dropAfter: string[];
}

/**
 * The pulls a run makes: every image whose result is not cached, and every image such a pull needs on
 * the node before it, so each uncached pull finds the node as a run of the whole order would.
 */
export function planPulls(order: readonly PlanNode[], cached: ReadonlySet<string>): PullStep[] {
  const before = heldBefore(order);
  const needed = new Set<string>();
  for (const [i, n] of order.entries()) if (!cached.has(n.name)) for (const x of [n.name, ...before[i]!]) needed.add(x);
  const steps = order.flatMap((n, i) => (needed.has(n.name) ? [{ n, heldBefore: before[i]! }] : []));
  let held: string[] = [];
  return steps.map(({ n, heldBefore: hb }, s) => {
    held = [...held, n.name];
    const stillNeeded = new Set(steps.slice(s + 1).flatMap((t) => t.heldBefore));
    const dropAfter = held.filter((x) => !stillNeeded.has(x));
    held = held.filter((x) => stillNeeded.has(x));
    return { name: n.name, cached: cached.has(n.name), heldBefore: hb, dropAfter };
  });
}
