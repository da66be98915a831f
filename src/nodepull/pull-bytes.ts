/**
 * Bytes a node pulled, measured at the registry: its access log (combined format) has one line per
 * request with the bytes written. Pure.
 */

export interface BlobFetch {
  repository: string;
  digest: string;
  bytes: number;
}

const LINE = /"GET \/v2\/(.+?)\/blobs\/(sha256:[0-9a-f]{64}) HTTP\/[\d.]+" (\d{3}) (\d+)/;

/**
 * Successful blob downloads (status 200) in the given log lines; of one repository when given. A pull
 * GETs blobs from the repository it pulls; a push that overlaps it (another repository) sends HEADs,
 * POSTs, PATCHes and PUTs, so one repository's GETs are that pull's whatever else is going on.
 */
export function blobFetches(lines: string[], repository?: string): BlobFetch[] {
  const out: BlobFetch[] = [];
  for (const l of lines) {
    const m = LINE.exec(l);
    if (m && m[3] === '200' && (repository === undefined || m[1] === repository))
      out.push({ repository: m[1]!, digest: m[2]!, bytes: Number(m[4]) });
  }
  return out;
}

export interface PullFigure {
  image: string;
  parent?: string;
  /** Σ compressed sizes of the image's layers and config in its manifest. */
  imageBytes: number;
  /** What the node downloaded for this pull. */
  pulledBytes: number;
  blobs: number;
  /** Σ compressed sizes of the layers the image shares with its parent (already on the node). */
  sharedWithParentBytes: number;
  /** Σ compressed sizes of the image's layers the node held before this pull (parent's or others'). */
  presentBytes?: number;
}

export function formatPullTable(rows: PullFigure[]): string {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  return [
    '| image | parent (already on the node) | image (compressed) | pulled | pulled / image | shared with parent |' +
      ' already on the node |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.image} | ${r.parent ?? '—'} | ${mb(r.imageBytes)} | ${mb(r.pulledBytes)} | ` +
        `${r.imageBytes ? ((100 * r.pulledBytes) / r.imageBytes).toFixed(1) : '0'} % | ` +
        `${mb(r.sharedWithParentBytes)} | ${r.presentBytes === undefined ? '—' : mb(r.presentBytes)} |`,
    ),
  ].join('\n');
}
