/**
 * Layer analysis of an image, read from the image itself (a `docker save` stream).
 *
 * Pure with respect to the outside world: it reads the stream it is given and nothing else; no file
 * is written (each layer tar is parsed while it streams past, only its headers are kept).
 *
 * Accounting (dive's, see docs/report.md):
 * - a layer's size is the sum of the sizes of its regular files; hard links and symbolic links
 *   count 0 bytes (their tar header size is 0: the bytes belong to the target), directories 0;
 * - each path written in a layer is one occurrence with that size; a whiteout `.wh.<name>`
 *   (or an opaque directory `.wh..wh..opq`) in layer k adds, for every file it hides from the
 *   layers below, an occurrence of size 0 in layer k — so the removed subtree's bytes still count
 *   in the cumulative size but the minimum becomes 0;
 * - efficiency = Σ over paths of the smallest occurrence / Σ over paths of all occurrences
 *   (1 when the image holds no bytes); a path written once counts size/size;
 * - wasted bytes = Σ cumulative size of the paths with 2 or more occurrences;
 * - user-wasted ratio = wasted bytes / bytes of every layer above the first.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';

export type EntryKind = 'file' | 'hardlink' | 'symlink' | 'dir' | 'other';

export interface LayerEntry {
  /** Normalised: no leading "./" or "/", no trailing "/". */
  path: string;
  kind: EntryKind;
  /** Bytes counted for the path: the file size for regular files, else 0. */
  size: number;
}

/** What a layer does to the filesystem, as read from its tar. */
export interface LayerContent {
  /** Every entry except whiteouts, in tar order. */
  entries: LayerEntry[];
  /** Paths removed by a `.wh.<name>` entry (the removed path, not the marker). */
  whiteouts: string[];
  /** Directories marked opaque by `.wh..wh..opq` (their lower contents are hidden). */
  opaques: string[];
}

export interface LayerStats {
  /** Σ regular file sizes. */
  size: number;
  /** Entries that are not directories nor whiteout markers. */
  files: number;
  regularFiles: number;
  hardlinks: number;
  symlinks: number;
  dirs: number;
  whiteoutMarkers: number;
}

/** A layer read from an archive. */
export interface LayerScan extends LayerContent, LayerStats {
  /** sha256 of the uncompressed layer tar, i.e. the image config's diff_id. */
  diffId: string;
  /** Length of the uncompressed layer tar. */
  tarBytes: number;
  /** Where it was in the archive (e.g. `<id>/layer.tar` or `blobs/sha256/<hex>`). */
  archivePath: string;
}

export interface WastedPath {
  path: string;
  /** Σ of the path's occurrences. */
  cumulativeBytes: number;
  /** The smallest occurrence (0 when a layer removed it). */
  minBytes: number;
  /** Indices of the layers that wrote (or removed) the path, bottom first. */
  layers: number[];
  /** True when one of those layers removed it (whiteout / opaque directory). */
  removed: boolean;
}

export interface EfficiencyMetrics {
  efficiency: number;
  /** Σ per-path minimum. */
  minBytes: number;
  /** Σ per-path cumulative size. */
  cumulativeBytes: number;
  wastedBytes: number;
  /** Paths present in 2 or more layers. */
  wastedPaths: number;
  /** Σ layer sizes (all layers). */
  totalBytes: number;
  /** Σ layer sizes above the first layer. */
  userBytes: number;
  /** wasted / userBytes (0 when there is nothing above the first layer). */
  userWastedRatio: number;
  /** The largest wasted paths, by cumulative size (ties by path). */
  topWasted: WastedPath[];
}

export const TOP_WASTED = 20;

/** Strips "./", leading "/" and trailing "/". */
export function normalizePath(name: string): string {
  let p = name;
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '').replace(/\/+$/, '');
  return p === '.' ? '' : p;
}

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** Turns tar headers into a LayerContent (whiteouts separated from entries). */
export class LayerContentBuilder {
  readonly content: LayerContent = { entries: [], whiteouts: [], opaques: [] };

  add(header: { name: string; type?: string | null; size?: number }): void {
    const path = normalizePath(header.name);
    if (path === '') return;
    const slash = path.lastIndexOf('/');
    const dir = slash < 0 ? '' : path.slice(0, slash);
    const base = slash < 0 ? path : path.slice(slash + 1);
    if (base === OPAQUE) {
      this.content.opaques.push(dir);
      return;
    }
    if (base.startsWith(WH)) {
      // `.wh..wh.<x>` other than the opaque marker are aufs metadata (e.g. .wh..wh.plnk): ignore.
      if (base.startsWith(`${WH}${WH}`)) return;
      this.content.whiteouts.push(dir ? `${dir}/${base.slice(WH.length)}` : base.slice(WH.length));
      return;
    }
    const type = header.type ?? 'file';
    let kind: EntryKind;
    if (type === 'file' || type === 'contiguous-file') kind = 'file';
    else if (type === 'directory') kind = 'dir';
    else if (type === 'link') kind = 'hardlink';
    else if (type === 'symlink') kind = 'symlink';
    else kind = 'other';
    this.content.entries.push({ path, kind, size: kind === 'file' ? (header.size ?? 0) : 0 });
  }
}

export function layerStats(c: LayerContent): LayerStats {
  const s: LayerStats = {
    size: 0,
    files: 0,
    regularFiles: 0,
    hardlinks: 0,
    symlinks: 0,
    dirs: 0,
    whiteoutMarkers: c.whiteouts.length + c.opaques.length,
  };
  for (const e of c.entries) {
    if (e.kind === 'dir') {
      s.dirs++;
      continue;
    }
    s.files++;
    if (e.kind === 'file') {
      s.regularFiles++;
      s.size += e.size;
    } else if (e.kind === 'hardlink') s.hardlinks++;
    else if (e.kind === 'symlink') s.symlinks++;
  }
  return s;
}

// ---- the stacked filesystem, to know what a whiteout removes ----

interface TreeNode {
  dir: boolean;
  size: number;
  children?: Map<string, TreeNode>;
}

class StackedTree {
  private readonly root: TreeNode = { dir: true, size: 0, children: new Map() };

  private parentOf(path: string, create: boolean): { parent: TreeNode; name: string } | undefined {
    const parts = path.split('/');
    const name = parts.pop()!;
    let cur = this.root;
    for (const part of parts) {
      let next = cur.children!.get(part);
      if (!next?.dir) {
        if (!create) return undefined;
        next = { dir: true, size: 0, children: new Map() };
        cur.children!.set(part, next); // a file in the way is replaced (engines do not write this)
      }
      cur = next;
    }
    return { parent: cur, name };
  }

  get(path: string): TreeNode | undefined {
    if (path === '') return this.root;
    const loc = this.parentOf(path, false);
    return loc?.parent.children?.get(loc.name);
  }

  /** Removes the path and returns the non-directory paths it held, with their sizes. */
  remove(path: string): [string, number][] {
    const loc = this.parentOf(path, false);
    const node = loc?.parent.children?.get(loc.name);
    if (!loc || !node) return [];
    loc.parent.children!.delete(loc.name);
    return collect(node, path);
  }

  /** Removes everything under a directory (the directory itself stays). */
  clear(path: string): [string, number][] {
    const node = this.get(path);
    if (!node?.dir) return [];
    const out: [string, number][] = [];
    for (const [name, child] of node.children!) out.push(...collect(child, path ? `${path}/${name}` : name));
    node.children!.clear();
    return out;
  }

  /** Sets a path; returns what it displaced (a directory replaced by a file, or the reverse). */
  set(path: string, dir: boolean, size: number): [string, number][] {
    const { parent, name } = this.parentOf(path, true)!;
    const old = parent.children!.get(name);
    if (dir) {
      if (old?.dir) return [];
      parent.children!.set(name, { dir: true, size: 0, children: new Map() });
      return old ? [[path, old.size]] : [];
    }
    parent.children!.set(name, { dir: false, size });
    return old?.dir ? collect(old, path) : [];
  }
}

function collect(node: TreeNode, path: string): [string, number][] {
  if (!node.dir) return [[path, node.size]];
  const out: [string, number][] = [];
  const walk = (n: TreeNode, p: string) => {
    for (const [name, child] of n.children!) {
      const cp = `${p}/${name}`;
      if (child.dir) walk(child, cp);
      else out.push([cp, child.size]);
    }
  };
  walk(node, path);
  return out;
}

interface PathData {
  cumulative: number;
  min: number;
  layers: number[];
  removed: boolean;
}

/** Dive-style efficiency of an image given its layers, bottom first. */
export function analyzeLayers(layers: LayerContent[], top = TOP_WASTED): EfficiencyMetrics {
  const tree = new StackedTree();
  const paths = new Map<string, PathData>();
  const occur = (path: string, size: number, layer: number, removed: boolean) => {
    const d = paths.get(path);
    if (!d) paths.set(path, { cumulative: size, min: size, layers: [layer], removed });
    else {
      d.cumulative += size;
      if (size < d.min) d.min = size;
      if (d.layers[d.layers.length - 1] !== layer) d.layers.push(layer);
      d.removed ||= removed;
    }
  };
  let totalBytes = 0;
  let userBytes = 0;
  layers.forEach((layer, k) => {
    const size = layerStats(layer).size;
    totalBytes += size;
    if (k > 0) userBytes += size;
    // Last write of a path within one layer wins (a tar may repeat a name).
    const written = new Map<string, LayerEntry>();
    for (const e of layer.entries) if (e.kind !== 'dir') written.set(e.path, e);
    const removed = new Map<string, number>();
    for (const p of layer.whiteouts) for (const [rp, s] of tree.remove(p)) removed.set(rp, s);
    for (const p of layer.opaques) for (const [rp, s] of tree.clear(p)) removed.set(rp, s);
    for (const e of layer.entries) {
      const displaced = tree.set(e.path, e.kind === 'dir', e.size);
      for (const [rp, s] of displaced) if (rp !== e.path || e.kind === 'dir') removed.set(rp, s);
    }
    for (const [rp] of removed) if (!written.has(rp)) occur(rp, 0, k, true);
    for (const [p, e] of written) occur(p, e.size, k, false);
  });
  let minBytes = 0;
  let cumulativeBytes = 0;
  let wastedBytes = 0;
  const wasted: WastedPath[] = [];
  for (const [path, d] of paths) {
    minBytes += d.min;
    cumulativeBytes += d.cumulative;
    const occurrences = d.layers.length;
    if (occurrences >= 2) {
      if (d.cumulative === 0) continue; // repeated empty files, links, symlinks: nothing wasted
      wastedBytes += d.cumulative;
      wasted.push({ path, cumulativeBytes: d.cumulative, minBytes: d.min, layers: d.layers, removed: d.removed });
    }
  }
  wasted.sort((a, b) => b.cumulativeBytes - a.cumulativeBytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    efficiency: cumulativeBytes === 0 ? 1 : minBytes / cumulativeBytes,
    minBytes,
    cumulativeBytes,
    wastedBytes,
    wastedPaths: wasted.length,
    totalBytes,
    userBytes,
    userWastedRatio: userBytes === 0 ? 0 : wastedBytes / userBytes,
    topWasted: wasted.slice(0, top),
  };
}

// ---- reading archives ----

type Chunks = AsyncIterable<unknown>;

const asBuffer = (c: unknown): Buffer =>
  Buffer.isBuffer(c) ? c : typeof c === 'string' ? Buffer.from(c) : Buffer.from(c as Uint8Array);

/** tar-stream's extractor; its typings miss allowUnknownFormat. */
const newExtract = (): tar.Extract => tar.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);

async function* prepend(first: Buffer, rest: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  yield first;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield asBuffer(r.value);
  }
}

/** Feeds chunks to a writable tar extractor, honouring back-pressure. */
async function feed(chunks: Chunks, extract: tar.Extract, onChunk: (c: Buffer) => void): Promise<void> {
  try {
    for await (const raw of chunks) {
      const c = asBuffer(raw);
      onChunk(c);
      if (!extract.write(c))
        await new Promise<void>((res, rej) => {
          const done = () => {
            extract.off('error', fail);
            res();
          };
          const fail = (e: Error) => {
            extract.off('drain', done);
            rej(e);
          };
          extract.once('drain', done);
          extract.once('error', fail);
        });
    }
    (extract as unknown as { end(): void }).end();
  } catch (e) {
    extract.destroy(e as Error);
    throw e;
  }
}

/** Reads one (uncompressed) layer tar while it streams; keeps headers only. */
export async function scanLayerTar(chunks: Chunks, archivePath = ''): Promise<LayerScan> {
  const hash = createHash('sha256');
  let tarBytes = 0;
  const extract = newExtract();
  const builder = new LayerContentBuilder();
  const reading = (async () => {
    for await (const entry of extract) {
      builder.add(entry.header);
      entry.resume();
    }
  })();
  const feeding = feed(chunks, extract, (c) => {
    hash.update(c);
    tarBytes += c.length;
  });
  await Promise.all([feeding, reading]);
  const content = builder.content;
  return { ...content, ...layerStats(content), diffId: `sha256:${hash.digest('hex')}`, tarBytes, archivePath };
}

export interface ArchiveManifestEntry {
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

const JSON_LIMIT = 64 * 1024 * 1024;

async function readAll(chunks: Chunks, limit = JSON_LIMIT): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of chunks) {
    n += (c as Uint8Array).length;
    if (n > limit) throw new Error(`archive member larger than ${limit} bytes where JSON was expected`);
    parts.push(asBuffer(c));
  }
  return Buffer.concat(parts);
}

/** A member that is a layer: a gzip or plain tar. Returns undefined if it is something else (JSON). */
async function sniffMember(path: string, entry: Chunks): Promise<{ layer?: LayerScan; json?: unknown; note?: string }> {
  const it = entry[Symbol.asyncIterator]();
  let first: Buffer = Buffer.alloc(0);
  // Gather at least 512 bytes (one tar header) to decide.
  while (first.length < 512) {
    const r = await it.next();
    if (r.done) break;
    first = Buffer.concat([first, asBuffer(r.value)]);
  }
  const rest = prepend(first, it);
  if (first.length === 0) return { layer: await scanLayerTar((async function* () {})(), path) };
  if (first[0] === 0x1f && first[1] === 0x8b) {
    const gunzip = Readable.from(rest).pipe(createGunzip());
    return { layer: await scanLayerTar(gunzip, path) };
  }
  if (first[0] === 0x28 && first[1] === 0xb5 && first[2] === 0x2f && first[3] === 0xfd) {
    for await (const _ of rest) void _;
    return {
      note: `${path}: zstd-compressed layer not analysed (save with an engine that writes uncompressed layers)`,
    };
  }
  const head = first.subarray(0, 64).toString('utf8').trimStart();
  if (head.startsWith('{') || head.startsWith('[')) {
    const buf = await readAll(rest);
    try {
      return { json: JSON.parse(buf.toString('utf8')) };
    } catch {
      return { note: `${path}: not JSON nor a tar` };
    }
  }
  // Anything else is read as a tar (an empty layer is 1024 zero bytes: no magic to look for).
  try {
    return { layer: await scanLayerTar(rest, path) };
  } catch (e) {
    for await (const _ of rest) void _;
    return { note: `${path}: skipped, neither a layer tar nor JSON (${(e as Error).message})` };
  }
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
