/**
 * Which Dockerfile instruction — and so which docker-bit — wrote each layer. Pure.
 *
 * The image config's `history` holds one entry per instruction (`empty_layer: true` for those that
 * change metadata only); the entries with a layer map, in order, to `rootfs.diff_ids`. The
 * generated Dockerfile's lines carry their origin (bit and line), so matching history entries to
 * the Dockerfile's instructions names the bit. Matching runs from the end (the image's own
 * instructions are last; the base image's history comes first and has no instruction here) and
 * pairs entries with instructions of the same keyword, skipping instructions that leave no
 * history (ARG).
 */
import { DockerfileParser } from 'dockerfile-ast';
import { DOCKERFILE_INSTRUCTIONS } from '../catalog/instructions.ts';
import type { LineOrigin } from '../generate/generate.ts';
import type { ImageConfig } from './archive/image-archive.ts';

export interface HistoryStep {
  createdBy: string;
  comment: string;
  emptyLayer: boolean;
  /** Instruction keyword (RUN, COPY, …), or '' when the entry names none (e.g. an import). */
  keyword: string;
  /** Short human text, e.g. `RUN apt-get update && …`. */
  summary: string;
}

export interface LayerOrigin {
  /** Index in the image's layers, bottom first. */
  index: number;
  step?: HistoryStep;
  /** 1-based line in the generated Dockerfile. */
  dockerfileLine?: number;
  /** The docker-bit that holds the instruction (e.g. `foundation-os`). */
  bit?: string;
  /** The catalog node that lists that bit. */
  owner?: string;
  /** Line inside docker-bits/<bit>.Dockerfile. */
  bitLine?: number;
  /** True for the layers of the base image (before the generated Dockerfile's first instruction). */
  base: boolean;
}

export function parseStep(createdBy: string | undefined, comment = '', emptyLayer = false): HistoryStep {
  let text = (createdBy ?? '').trim();
  let keyword = '';
  // Classic builder: "/bin/sh -c #(nop)  ENV X=1" or "/bin/sh -c apt-get …" (a RUN).
  // (with a SHELL instruction the prefix is that shell, e.g. "/bin/bash -o pipefail -c #(nop) USER 1000").
  const nop = /^\S*sh\b[^#]*?-c\s+#\(nop\)\s+(.*)$/s.exec(text);
  if (nop) text = nop[1]!.trim();
  else if (/^\S*\/(ba|da|z)?sh\s.*?-c\s/s.test(text)) text = `RUN ${text}`;
  const first = text.split(/\s+/, 1)[0]?.toUpperCase() ?? '';
  if (DOCKERFILE_INSTRUCTIONS.has(first)) keyword = first;
  let summary = text.replace(/\s+# buildkit$/, '');
  if (keyword === 'RUN') {
    summary = summary
      .replace(/^RUN\s+(\|\d+(\s+[A-Za-z_][A-Za-z0-9_]*=\S*)*\s+)?/, 'RUN ')
      .replace(/^RUN\s+\/bin\/(ba)?sh(\s+-o\s+pipefail)?\s+-c\s+/, 'RUN ');
  }
  summary = summary.replace(/\s+/g, ' ').trim();
  if (summary === '' && comment) summary = comment;
  return {
    createdBy: createdBy ?? '',
    comment,
    emptyLayer,
    keyword,
    summary: summary.length > 140 ? `${summary.slice(0, 139)}…` : summary,
  };
}

interface Instruction {
  keyword: string;
  line: number; // 0-based
}

function instructions(dockerfile: string): Instruction[] {
  const parsed = DockerfileParser.parse(dockerfile);
  return parsed
    .getInstructions()
    .map((i) => ({ keyword: i.getKeyword().toUpperCase(), line: i.getRange().start.line }));
}

/**
 * Attributes each layer of an image to its history step and, through the generated Dockerfile
 * (text and per-line origins from renderDockerfile), to a bit.
 */
export function attributeLayers(
  config: ImageConfig,
  dockerfile?: { text: string; origins: LineOrigin[] },
): LayerOrigin[] {
  const history = (config.history ?? []).map((h) => parseStep(h.created_by, h.comment, Boolean(h.empty_layer)));
  const nLayers = config.rootfs?.diff_ids.length ?? 0;
  // history index → instruction (0-based line in the Dockerfile)
  const lineOf = new Map<number, number>();
  let baseFrom = history.length; // history entries before this index belong to the base image
  if (dockerfile) {
    const instrs = instructions(dockerfile.text);
    const lastFrom = instrs.map((i) => i.keyword).lastIndexOf('FROM');
    const own = instrs.slice(lastFrom + 1);
    let j = own.length - 1;
    let i = history.length - 1;
    for (; i >= 0 && j >= 0; i--) {
      const kw = history[i]!.keyword;
      if (!kw) break; // an entry with no instruction (e.g. "Imported from -") is the base's
      let k = j;
      while (k >= 0 && own[k]!.keyword !== kw) k--;
      if (k < 0) break;
      lineOf.set(i, own[k]!.line);
      j = k - 1;
    }
    baseFrom = i + 1;
  }
  const layerHist: number[] = [];
  history.forEach((h, idx) => {
    if (!h.emptyLayer) layerHist.push(idx);
  });
  const aligned = layerHist.length === nLayers;
  return Array.from({ length: nLayers }, (_, index) => {
    const hi = aligned ? layerHist[index]! : -1;
    const origin: LayerOrigin = { index, base: dockerfile ? hi >= 0 && hi < baseFrom : false };
    if (hi >= 0) origin.step = history[hi];
    const line = lineOf.get(hi);
    if (line !== undefined && dockerfile) {
      origin.dockerfileLine = line + 1;
      const o = dockerfile.origins[line];
      if (o?.bit) {
        origin.bit = o.bit;
        origin.owner = o.owner;
        origin.bitLine = o.line;
      }
    }
    return origin;
  });
}
