/**
 * CycloneDX SBOMs kept by image ID (a result store of the kfc cache directory, src/cache/store.ts).
 * kfc referee and kfc report keep here the SBOM Trivy made from an image's one saved archive; kfc push
 * --sign and kfc node-pull attest that one, and make one (from a single save of their own) only when
 * none is kept for that image ID. An image ID is the digest of the image's config, hence of its layers:
 * the SBOM of an ID never goes stale. Off with the result caches (KFC_TEST_CACHE=off).
 */
import { digestParts } from '../cache/digest.ts';
import { ResultStore } from '../cache/store.ts';

interface KeptSbom {
  /** The CycloneDX JSON text. */
  text: string;
  /** Who made it from which save, e.g. `kfc referee (its one saved archive)`. */
  madeBy: string;
}

const keyOf = (imageId: string) => digestParts({ kind: 'cyclonedx sbom by image id v1', image: imageId });

const store = (warn?: (s: string) => void) => new ResultStore('sbom', warn ? { warn } : {});

/** The SBOM kept for `imageId`, with who made it and when; undefined when none is. */
export function keptSbom(imageId: string, warn?: (s: string) => void) {
  const hit = store(warn).get<KeptSbom>(
    keyOf(imageId),
    (v) => typeof (v as KeptSbom)?.text === 'string' && typeof (v as KeptSbom).madeBy === 'string',
  );
  return hit && { ...hit.value, storedAt: hit.storedAt };
}

/** Keeps `text` as the SBOM of `imageId`. */
export function keepSbom(imageId: string, text: string, madeBy: string, warn?: (s: string) => void): void {
  store(warn).put<KeptSbom>(keyOf(imageId), { image: imageId }, { text, madeBy });
}
