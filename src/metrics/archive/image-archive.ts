/**
 * An image archive (`docker save`) read as it streams, each layer analysed on the way; nothing is
 * written (only the headers of each layer tar are kept).
 */
import { posix } from 'node:path';
import { normalizePath } from '../layer-content.ts';
import { type Chunks, feed, newExtract, readAll } from './chunks.ts';
import type { LayerScan } from './layer-tar.ts';
import { sniffMember } from './member.ts';

interface ArchiveManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

export interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: {
    Env?: string[];
    User?: string;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, unknown>;
  };
  rootfs?: { type: string; diff_ids: string[] };
  history?: { created?: string; created_by?: string; empty_layer?: boolean; comment?: string }[];
}

export interface ArchiveImage {
  repoTags: string[];
  /** sha256:<hex> of the config (the image ID). */
  id: string;
  config: ImageConfig;
  /** Bottom first. */
  layers: LayerScan[];
}

export interface ImageArchive {
  images: ArchiveImage[];
  /** Every distinct layer, by diff_id. */
  layers: Map<string, LayerScan>;
  /** What was not understood (e.g. a zstd layer), one line each. */
  notes: string[];
}

interface OciDescriptor {
  mediaType?: string;
  digest: string;
  annotations?: Record<string, string>;
}

/**
 * Reads a `docker save` archive (docker 20.10: manifest.json + <id>/layer.tar + <id>.json; newer
 * engines: OCI layout blobs/sha256/<hex> + index.json, usually with manifest.json too), analysing
 * each layer as it streams. Several images in one archive share their layers (read once).
 */
export async function readImageArchive(input: Chunks): Promise<ImageArchive> {
  const extract = newExtract();
  const byPath = new Map<string, LayerScan>();
  const jsonByPath = new Map<string, unknown>();
  const notes: string[] = [];
  // docker 20.10 writes a layer.tar that repeats an earlier one as a symlink to it.
  const aliases = new Map<string, string>();
  const reading = (async () => {
    for await (const entry of extract) {
      const path = normalizePath(entry.header.name);
      const type = entry.header.type ?? 'file';
      if ((type === 'symlink' || type === 'link') && entry.header.linkname) {
        const target = type === 'link' ? entry.header.linkname : posix.join(posix.dirname(path), entry.header.linkname);
        aliases.set(path, normalizePath(target));
      }
      if (type !== 'file' && type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const base = path.split('/').pop()!;
      if (base === 'layer.tar' || path.startsWith('blobs/')) {
        const r = await sniffMember(path, entry);
        if (r.layer) byPath.set(path, r.layer);
        if (r.json !== undefined) jsonByPath.set(path, r.json);
        if (r.note) notes.push(r.note);
      } else if (path.endsWith('.json') && !path.includes('/')) {
        jsonByPath.set(path, JSON.parse((await readAll(entry)).toString('utf8')));
      } else if (base === 'oci-layout' || base === 'repositories') {
        await readAll(entry);
      } else {
        entry.resume();
      }
    }
  })();
  await Promise.all([feed(input, extract, () => {}), reading]);

  const images: ArchiveImage[] = [];
  const idOf = (configPath: string) => {
    const m = /([0-9a-f]{64})(\.json)?$/.exec(configPath);
    return m ? `sha256:${m[1]}` : configPath;
  };
  const manifest = jsonByPath.get('manifest.json') as ArchiveManifestEntry[] | undefined;
  if (Array.isArray(manifest)) {
    for (const m of manifest) {
      const config = (jsonByPath.get(normalizePath(m.Config)) ?? {}) as ImageConfig;
      const layers = m.Layers.map((l) => {
        let p = normalizePath(l);
        for (let hops = 0; !byPath.has(p) && aliases.has(p) && hops < 16; hops++) p = aliases.get(p)!;
        const scan = byPath.get(p);
        if (!scan) throw new Error(`archive lists layer ${l} but does not contain it`);
        return scan;
      });
      images.push({ repoTags: m.RepoTags ?? [], id: idOf(m.Config), config, layers });
    }
  } else {
    // Plain OCI layout: index.json → manifests (possibly nested indexes) → config + layers.
    const blob = (digest: string) => `blobs/${digest.replace(':', '/')}`;
    const visit = (desc: OciDescriptor) => {
      const doc = jsonByPath.get(blob(desc.digest)) as
        | { manifests?: OciDescriptor[]; config?: OciDescriptor; layers?: OciDescriptor[] }
        | undefined;
      if (!doc) return;
      if (doc.manifests) doc.manifests.forEach(visit);
      else if (doc.config && doc.layers) {
        const config = (jsonByPath.get(blob(doc.config.digest)) ?? {}) as ImageConfig;
        const layers = doc.layers.map((l) => byPath.get(blob(l.digest))).filter((l): l is LayerScan => Boolean(l));
        const name =
          desc.annotations?.['io.containerd.image.name'] ?? desc.annotations?.['org.opencontainers.image.ref.name'];
        images.push({ repoTags: name ? [name] : [], id: doc.config.digest, config, layers });
      }
    };
    const index = jsonByPath.get('index.json') as { manifests?: OciDescriptor[] } | undefined;
    for (const d of index?.manifests ?? []) visit(d);
  }
  const layers = new Map<string, LayerScan>();
  for (const img of images) {
    const diffIds = img.config.rootfs?.diff_ids;
    img.layers.forEach((l, i) => {
      if (diffIds?.[i] && diffIds[i] !== l.diffId)
        notes.push(`${l.archivePath}: content digest ${l.diffId} differs from the config's diff_id ${diffIds[i]}`);
      layers.set(l.diffId, l);
    });
  }
  return { images, layers, notes };
}
