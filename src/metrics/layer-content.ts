/**
 * What one layer does to the filesystem, as read from its tar headers: entries, whiteouts, opaque
 * directories, and the counts dive reports. A layer's size is the sum of its regular files: hard
 * links and symbolic links count 0 bytes (the bytes belong to the target), directories 0.
 */

type EntryKind = 'file' | 'hardlink' | 'symlink' | 'dir' | 'other';

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
