/**
 * Layer sharing across the image family, by layer content digest (diff_id). Pure.
 */

interface FamilyLayer {
  diffId: string;
  /** Σ regular file sizes of the layer. */
  size: number;
  /** Uncompressed tar length (what the engine stores / a registry serves before compression). */
  tarBytes: number;
}

export interface FamilyImage {
  name: string;
  parent?: string;
  /** The root of its chain (itself for a root). */
  root: string;
  layers: FamilyLayer[];
}

interface Share {
  with: string;
  /** Layers of `with` found (by digest) in this image. */
  layers: number;
  /** Layers `with` has. */
  ofLayers: number;
  /** Σ size of those shared layers. */
  bytes: number;
  /** Σ size of every layer of `with`. */
  ofBytes: number;
  /** bytes / ofBytes (1 when `with` holds no bytes). */
  ratio: number;
  /** True when the shared layers are exactly the first layers of this image (a clean prefix). */
  prefix: boolean;
}

export interface ImageSharing {
  name: string;
  bytes: number;
  layers: number;
  parent?: Share;
  root?: Share;
  /** Bytes of this image not in its parent (what building it adds). */
  ownBytes: number;
}

export interface FamilySharing {
  images: ImageSharing[];
  /** Σ of every image's size. */
  sumBytes: number;
  /** Σ over distinct layers: what a node pulling every image stores. */
  uniqueBytes: number;
  uniqueLayers: number;
  sumLayers: number;
  /** uniqueBytes / sumBytes. */
  ratio: number;
}

const sum = (ls: FamilyLayer[]) => ls.reduce((a, l) => a + l.size, 0);

function shareOf(image: FamilyImage, other: FamilyImage): Share {
  const mine = new Set(image.layers.map((l) => l.diffId));
  const shared = other.layers.filter((l) => mine.has(l.diffId));
  const bytes = sum(shared);
  const ofBytes = sum(other.layers);
  const prefix = other.layers.every((l, i) => image.layers[i]?.diffId === l.diffId);
  return {
    with: other.name,
    layers: shared.length,
    ofLayers: other.layers.length,
    bytes,
    ofBytes,
    ratio: ofBytes === 0 ? 1 : bytes / ofBytes,
    prefix,
  };
}

export function familySharing(images: FamilyImage[]): FamilySharing {
  const byName = new Map(images.map((i) => [i.name, i]));
  const unique = new Map<string, number>();
  let sumBytes = 0;
  let sumLayers = 0;
  const out: ImageSharing[] = images.map((img) => {
    const bytes = sum(img.layers);
    sumBytes += bytes;
    sumLayers += img.layers.length;
    for (const l of img.layers) unique.set(l.diffId, l.size);
    const parent = img.parent ? byName.get(img.parent) : undefined;
    const root = img.root !== img.name ? byName.get(img.root) : undefined;
    const s: ImageSharing = { name: img.name, bytes, layers: img.layers.length, ownBytes: bytes };
    if (parent) {
      s.parent = shareOf(img, parent);
      const inParent = new Set(parent.layers.map((l) => l.diffId));
      s.ownBytes = sum(img.layers.filter((l) => !inParent.has(l.diffId)));
    }
    if (root) s.root = shareOf(img, root);
    return s;
  });
  const uniqueBytes = [...unique.values()].reduce((a, b) => a + b, 0);
  return {
    images: out,
    sumBytes,
    uniqueBytes,
    uniqueLayers: unique.size,
    sumLayers,
    ratio: sumBytes === 0 ? 1 : uniqueBytes / sumBytes,
  };
}
