/**
 * `docker pull` overlaps transfer and unpack: a layer is unpacked as soon as it and the ones below it
 * are downloaded, while later layers still download. The split used here, from docker pull's status
 * lines timed as they arrive (one per change when stdout is not a terminal): transfer is the pull's
 * start to the last "Download complete"; unpack is what remains after it (the unpacking the transfer
 * did not hide). Pure.
 */

export interface TimedLine {
  /** Milliseconds since the pull started. */
  atMs: number;
  line: string;
}

export interface PullPhases {
  transferMs: number;
  unpackMs: number;
}

/** Transfer and the unpack after it; with no layer downloaded (all present) the whole pull is unpack. */
export function pullPhases(lines: readonly TimedLine[], pullMs: number): PullPhases {
  const done = lines.filter((l) => /^[0-9a-f]{12}: Download complete\s*$/.test(l.line)).map((l) => l.atMs);
  const total = Math.round(pullMs);
  const transferMs = done.length ? Math.min(Math.round(Math.max(...done)), total) : 0;
  return { transferMs, unpackMs: total - transferMs };
}
