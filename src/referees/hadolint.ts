/**
 * hadolint beside kfc lint: hadolint's findings on a generated Dockerfile, mapped back to the bit
 * and line they came from (like kfc lint's), and merged over the images that share them.
 */
import type { LineOrigin } from '../generate/generate.ts';

/** One entry of `hadolint --format json`. */
export interface HadolintRaw {
  code: string;
  column?: number;
  file?: string;
  level: 'error' | 'warning' | 'info' | 'style' | string;
  line: number;
  message: string;
}

export interface HadolintFinding {
  file: string;
  line: number;
  code: string;
  level: string;
  message: string;
  images: string[];
}

/** Levels that fail CI (hadolint's own --failure-threshold warning). info and style are shown. */
export const FAILING_LEVELS = new Set(['error', 'warning']);

export function parseHadolintJson(text: string, where: string): HadolintRaw[] {
  let data: unknown;
  try {
    data = JSON.parse(text || '[]');
  } catch {
    throw new Error(`${where}: hadolint did not print JSON: ${text.slice(0, 200)}`);
  }
  if (!Array.isArray(data)) throw new Error(`${where}: hadolint JSON is not a list`);
  return data.map((d, i) => {
    const r = d as Partial<HadolintRaw>;
    if (typeof r.code !== 'string' || typeof r.line !== 'number' || typeof r.message !== 'string') {
      throw new Error(`${where}: hadolint finding ${i} lacks code/line/message`);
    }
    return {
      code: r.code,
      line: r.line,
      message: r.message,
      level: String(r.level ?? 'warning'),
      column: r.column,
      file: r.file,
    };
  });
}

/** Maps findings on one generated Dockerfile (1-based lines) to the bits' files and lines. */
export function mapHadolint(raw: HadolintRaw[], origins: LineOrigin[], image: string): HadolintFinding[] {
  return raw.map((r) => {
    const o = origins[r.line - 1] ?? { file: `output/${image}/Dockerfile`, line: r.line };
    return { file: o.file, line: o.line, code: r.code, level: r.level, message: r.message, images: [image] };
  });
}

/** One finding per bit:line:code, listing every image whose Dockerfile carries it (parents' bits recur in children). */
export function mergeFindings(lists: HadolintFinding[][]): HadolintFinding[] {
  const byKey = new Map<string, HadolintFinding>();
  for (const list of lists) {
    for (const f of list) {
      const key = `${f.file}:${f.line}:${f.code}`;
      const seen = byKey.get(key);
      if (seen) {
        for (const i of f.images) if (!seen.images.includes(i)) seen.images.push(i);
      } else byKey.set(key, { ...f, images: [...f.images] });
    }
  }
  return [...byKey.values()].sort((a, b) =>
    a.file === b.file ? a.line - b.line || (a.code < b.code ? -1 : 1) : a.file < b.file ? -1 : 1,
  );
}

export function formatHadolint(f: HadolintFinding): string {
  return `${f.file}:${f.line}: hadolint ${f.code} ${f.level}: ${f.message} [${f.images.join(', ')}]`;
}
