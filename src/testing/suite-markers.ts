/**
 * What a suite file says about itself in its leading comment block (pure):
 *   // kfc-test: uncached: <reason>   its result is never stored or served (time, network, chance)
 *   // kfc-test: alone: <reason>      it runs with no other suite file beside it (it measures time,
 *                                     loads the machine, or cannot bear another's container starts)
 * Only the comment lines before the first line of code count; a marker needs a reason.
 */

import { KfcError } from '../errors.ts';

export interface SuiteMarkers {
  uncached?: string;
  alone?: string;
}

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
    if (kind !== 'uncached' && kind !== 'alone')
      throw new KfcError(`${where}: unknown marker "kfc-test: ${kind}"`, {
        hint: 'write // kfc-test: uncached: <reason> or // kfc-test: alone: <reason>',
      });
    if (!reason.trim())
      throw new KfcError(`${where}: "kfc-test: ${kind}" without a reason`, {
        hint: `write // kfc-test: ${kind}: <why>`,
      });
    markers[kind] = reason.trim();
  }
  return markers;
}
