/**
 * The built images' layers compressed with zstd, kept by their uncompressed digest (diff_id) outside the
 * clone (<kfc cache dir>/layer-blobs), with each image's config verbatim: what an OCI layout needs to push
 * an image whose ID is the build's (the ID is the config's digest) in zstd layers, which `docker push`
 * cannot write. They are made from a saved archive that is on disk anyway (kfc report's one save), so no
 * image is saved again for its push. Entries are written atomically; an unreadable one is a miss.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  createReadStream,
  createWriteStream,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import writeFileAtomic from 'write-file-atomic';
import { digestingStream } from '../cache/digest.ts';
import { kfcCacheDir } from '../cache/dir.ts';
import { KfcError } from '../errors.ts';
import { indexTar, type TarMember } from './tar-index.ts';

/** zstd's default level: what BuildKit and skopeo write, and what the cold-node figures were measured with. */
export const ZSTD_LEVEL = 3;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const ZSTD_LAYER = 'application/vnd.oci.image.layer.v1.tar+zstd';

export interface ZstdLayer {
  /** sha256:<hex> of the compressed bytes. */
  digest: string;
  size: number;
  /** The zstd that wrote it (`zstd -V`) and its level. */
  zstd: string;
  level: number;
}

export interface KeptFromArchive {
  /** The archive's images: ID and layers, bottom first. */
  images: { id: string; diffIds: string[] }[];
  /** The layers compressed now (the others were kept already). */
  added: { diffId: string; bytesIn: number; bytesOut: number }[];
  seconds: number;
}

const hex = (digest: string) => digest.replace(/^sha256:/, '');
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let zstdVersion: string | undefined;
/** `zstd -V`'s version (v1.5.4), kept with each blob it wrote and in node-pull's key. */
export function zstdVersionOf(): string {
  if (zstdVersion) return zstdVersion;
  let out: string;
  try {
    out = execFileSync('zstd', ['-V'], { encoding: 'utf8' });
  } catch {
    throw new KfcError('zstd is not installed: the layers are written with it', {
      hint: 'bash scripts/provision.sh (Debian: apt-get install zstd)',
    });
  }
  zstdVersion = /v\d+\.\d+\.\d+/.exec(out)?.[0] ?? out.trim();
  return zstdVersion;
}

export class LayerBlobs {
  readonly dir: string;
  private enabled: boolean;

  constructor(
    dir = join(kfcCacheDir(), 'layer-blobs'),
    private readonly warn: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  ) {
    this.dir = dir;
    this.enabled = this.usable();
  }

  /** False when the directory cannot be written (one warning was given). */
  get on(): boolean {
    return this.enabled;
  }

  private usable(): boolean {
    try {
      for (const d of [this.blobDir(), join(this.dir, 'diff-ids')]) mkdirSync(d, { recursive: true });
      accessSync(this.dir, constants.W_OK | constants.R_OK);
      return true;
    } catch (err) {
      this.warn(
        `kfc: warning: layer store ${this.dir} is not writable (${(err as NodeJS.ErrnoException).code ?? err})` +
          ' (fix: KFC_CACHE_DIR=<a writable directory>)',
      );
      return false;
    }
  }

  private blobDir(): string {
    return join(this.dir, 'blobs', 'sha256');
  }

  blobPath(digest: string): string {
    return join(this.blobDir(), hex(digest));
  }

  private entryPath(diffId: string): string {
    return join(this.dir, 'diff-ids', `${hex(diffId)}.json`);
  }

  /** The zstd blob kept for a layer, or undefined (absent, or an entry whose blob is gone or cut short). */
  layer(diffId: string): ZstdLayer | undefined {
    let entry: ZstdLayer;
    try {
      entry = JSON.parse(readFileSync(this.entryPath(diffId), 'utf8')) as ZstdLayer;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.warn(`kfc: warning: layer store entry ${this.entryPath(diffId)} is unreadable: treated as a miss`);
      return undefined;
    }
    try {
      if (statSync(this.blobPath(entry.digest)).size === entry.size) return entry;
    } catch {}
    this.warn(`kfc: warning: layer store blob of ${diffId} is missing or cut short: treated as a miss`);
    return undefined;
  }

  /** An image's config, verbatim (its sha256 is the image ID), or undefined. */
  config(imageId: string): Buffer | undefined {
    try {
      const b = readFileSync(this.blobPath(imageId));
      return sha256(b) === imageId ? b : undefined;
    } catch {
      return undefined;
    }
  }

  /** Which of an image's layers, and whether its config, are not kept yet. */
  missing(imageId: string, diffIds: string[]): string[] {
    return [...(this.config(imageId) ? [] : [imageId]), ...diffIds.filter((d) => !this.layer(d))];
  }

  /**
   * Keeps the configs of a `docker save` archive on disk and compresses every layer not kept yet, one at a
   * time (zstd uses every core), each read as its range of the archive and checked against its diff_id.
   */
  async keepFromArchive(file: string): Promise<KeptFromArchive> {
    if (!this.enabled) throw new KfcError(`layer store ${this.dir} is not writable`);
    const t0 = performance.now();
    const members = await indexTar(file);
    const byName = new Map(members.map((m) => [m.name, m]));
    const read = async (m: TarMember) => {
      const fh = await open(file, 'r');
      try {
        const b = Buffer.alloc(m.size);
        await fh.read(b, 0, m.size, m.offset);
        return b;
      } finally {
        await fh.close();
      }
    };
    const member = (name: string) => {
      const m = byName.get(name);
      if (!m) throw new KfcError(`${file}: the archive has no ${name}`, { hint: 'save the image again' });
      return m;
    };
    const manifest = JSON.parse((await read(member('manifest.json'))).toString('utf8')) as {
      Config: string;
      Layers: string[];
    }[];
    const images: KeptFromArchive['images'] = [];
    const added: KeptFromArchive['added'] = [];
    const zstd = zstdVersionOf();
    for (const entry of manifest) {
      const configBytes = await read(member(entry.Config));
      const id = sha256(configBytes);
      const diffIds = (JSON.parse(configBytes.toString('utf8')) as { rootfs?: { diff_ids?: string[] } }).rootfs
        ?.diff_ids;
      if (!diffIds || diffIds.length !== entry.Layers.length)
        throw new KfcError(`${file}: ${entry.Config} names ${diffIds?.length ?? 'no'} layers, manifest.json`, {
          hint: `${entry.Layers.length}: save the image again`,
        });
      if (!this.config(id)) this.writeBlob(id, configBytes);
      images.push({ id, diffIds });
      for (const [i, path] of entry.Layers.entries()) {
        const diffId = diffIds[i]!;
        if (this.layer(diffId) || added.some((a) => a.diffId === diffId)) continue;
        const kept = await this.compress(file, member(path), diffId, zstd);
        added.push({ diffId, bytesIn: member(path).size, bytesOut: kept.size });
      }
    }
    return { images, added, seconds: Math.round((performance.now() - t0) / 100) / 10 };
  }

  /** Keeps an image's config read elsewhere (the engine's store); false when its sha256 is not the image ID. */
  keepConfig(imageId: string, bytes: Buffer): boolean {
    if (sha256(bytes) !== imageId) return false;
    if (!this.config(imageId)) this.writeBlob(imageId, bytes);
    return true;
  }

  private writeBlob(digest: string, bytes: Buffer): void {
    writeFileAtomic.sync(this.blobPath(digest), bytes);
  }

  /** One layer's range of the archive through `zstd`, into the store; its input must hash to diffId. */
  private async compress(file: string, m: TarMember, diffId: string, zstd: string): Promise<ZstdLayer> {
    const tmp = join(this.blobDir(), `.${randomBytes(6).toString('hex')}.tmp`);
    const z = spawn('zstd', ['-q', `-${ZSTD_LEVEL}`, '-T0', '-c'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    z.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const exited = new Promise<number>((res, rej) => {
      z.on('error', rej);
      z.on('close', (code) => res(code ?? 1));
    });
    const input = digestingStream();
    const output = digestingStream();
    try {
      const range = createReadStream(file, { start: m.offset, end: m.offset + m.size - 1 });
      const [, , code] = await Promise.all([
        pipeline(range, input.stream, z.stdin),
        pipeline(z.stdout, output.stream, createWriteStream(tmp)),
        exited,
      ]);
      if (code !== 0) throw new KfcError(`zstd failed on ${m.name} of ${file}: ${stderr.trim().split('\n').pop()}`);
      const inDigest = `sha256:${input.hex()}`;
      if (inDigest !== diffId)
        throw new KfcError(`${file}: ${m.name} hashes to ${inDigest}, its config says ${diffId}`, {
          hint: 'save the image again',
        });
      const digest = `sha256:${output.hex()}`;
      renameSync(tmp, this.blobPath(digest));
      const layer: ZstdLayer = { digest, size: output.bytes(), zstd, level: ZSTD_LEVEL };
      writeFileAtomic.sync(this.entryPath(diffId), `${JSON.stringify(layer)}\n`);
      return layer;
    } catch (err) {
      z.kill();
      rmSync(tmp, { force: true });
      if (err instanceof KfcError) throw err;
      throw new KfcError(`could not compress ${m.name} of ${file}: ${stderr.trim() || (err as Error).message}`);
    }
  }

  /**
   * An OCI image layout in `dir` holding one image as `tag`: the build's config verbatim, its layers as the
   * kept zstd blobs (linked, not copied); returns its manifest's digest and how the blobs are linked. Every part
   * must be kept (missing() is empty). Hard links where the layout and the store share a file system: skopeo
   * reads either, Trivy refuses a layout whose blobs are symbolic links.
   */
  writeLayout(dir: string, imageId: string, tag: string): { digest: string; hardLinks: boolean } {
    const config = this.config(imageId);
    if (!config) throw new KfcError(`layer store ${this.dir} holds no config for ${imageId}`);
    const diffIds = (JSON.parse(config.toString('utf8')) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
    const layers = diffIds.map((d) => {
      const l = this.layer(d);
      if (!l) throw new KfcError(`layer store ${this.dir} holds no zstd blob of ${d}`);
      return l;
    });
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: imageId, size: config.length },
        layers: layers.map((l) => ({ mediaType: ZSTD_LAYER, digest: l.digest, size: l.size })),
      }),
    );
    const digest = sha256(manifest);
    const blobs = join(dir, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    let hardLinks = true;
    for (const d of new Set([imageId, ...layers.map((l) => l.digest)])) {
      const [from, to] = [this.blobPath(d), join(blobs, hex(d))];
      try {
        if (hardLinks) linkSync(from, to);
        else symlinkSync(from, to);
      } catch {
        hardLinks = false; // another file system (EXDEV), or links refused: symbolic links for all that follow
        symlinkSync(from, to);
      }
    }
    writeFileAtomic.sync(join(blobs, hex(digest)), manifest);
    writeFileAtomic.sync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n');
    const index = {
      schemaVersion: 2,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    };
    writeFileAtomic.sync(join(dir, 'index.json'), `${JSON.stringify(index)}\n`);
    return { digest, hardLinks };
  }

  /** Drops every entry and blob that is not one of `keep` (diff_ids and image IDs); returns the bytes freed. */
  prune(keep: ReadonlySet<string>): number {
    if (!this.enabled) return 0;
    const kept = new Set<string>();
    for (const name of readdirSync(join(this.dir, 'diff-ids'))) {
      const diffId = `sha256:${name.replace(/\.json$/, '')}`;
      const l = keep.has(diffId) ? this.layer(diffId) : undefined;
      if (l) kept.add(hex(l.digest));
      else rmSync(join(this.dir, 'diff-ids', name), { force: true });
    }
    for (const id of keep) kept.add(hex(id));
    let freed = 0;
    for (const name of readdirSync(this.blobDir())) {
      if (kept.has(name)) continue;
      const p = join(this.blobDir(), name);
      freed += statSync(p).size;
      rmSync(p, { force: true });
    }
    return freed;
  }
}
