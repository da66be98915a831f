/**
 * What a suite file says about itself in its leading comment block (pure):
 *   // kfc-test: uncached: <reason>   its result is never stored or served (time, network, chance)
 *   // kfc-test: alone: <reason>      it runs with no other suite file beside it (it measures time,
 *                                     loads the machine, or cannot bear another's container starts)
 *   // kfc-test: reads: <path>, ...   files or folders (from the catalog root) it reads at run time beyond
 *                                     its imports, e.g. generated manifests: their bytes join its result key
 * Only the comment lines before the first line of code count; a marker needs a reason.
 */

import { KfcError } from '../errors.ts';

export interface SuiteMarkers {
  uncached?: string;
  alone?: string;
  /** Paths from the catalog root, as written after `reads:` (comma-separated). */
  reads?: string;
}

const KINDS = ['uncached', 'alone', 'reads'] as const;

const MARKER = /^\/\/\s*kfc-test:\s*([A-Za-z-]*)\s*:?\s*(.*)$/;

/** The markers of a suite file's text; `file` names it in errors. */
export function suiteMarkers(text: string, file: string): SuiteMarkers {
  const markers: SuiteMarkers = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (!line.startsWith('//')) break;
    const m = MARKER.exec(line);
    if (!m) continue;
    const [, kind = '', reason = ''] = m;
    const where = `${file}:${i + 1}`;
    if (!(KINDS as readonly string[]).includes(kind))
      throw new KfcError(`${where}: unknown marker "kfc-test: ${kind}"`, {
        hint: 'write // kfc-test: uncached: <reason>, alone: <reason> or reads: <path>, ...',
      });
    if (!reason.trim())
      throw new KfcError(`${where}: "kfc-test: ${kind}" without a reason`, {
        hint: `write // kfc-test: ${kind}: <why>`,
      });
    markers[kind as (typeof KINDS)[number]] = reason.trim();
  }
  return markers;
}
