/**
 * Where kfc referee and kfc report call the pending-updates check: the catalog's mirrors and gate
 * for one image.
 */
import type { ImageNode } from '../catalog/model.ts';
import type { EffectiveGates } from '../metrics/gates.ts';
import { securityUpdates } from './security-updates.ts';
import { type SecurityUpdatesResult, securityUpdatesText } from './upgradable.ts';

/**
 * Runs the check on `ref` where the catalog gates it (images.yaml gates.securityUpdates); undefined
 * where nothing gates it.
 */
export async function securityCheck(
  ref: string,
  node: ImageNode,
  gates: EffectiveGates,
  log: (s: string) => void,
): Promise<SecurityUpdatesResult | undefined> {
  if (!gates.securityUpdates) return undefined;
  const base = node.base;
  const r = await securityUpdates(ref, gates.securityUpdates, {
    mirror: base?.mirror ?? 'http://deb.debian.org/debian',
    securityMirror: base?.securityMirror ?? 'http://deb.debian.org/debian-security',
    components: base?.components,
    log,
  });
  log(`kfc: ${node.name}: pending Debian security updates: ${securityUpdatesText(r)} (${r.seconds} s)`);
  return r;
}
