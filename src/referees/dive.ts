/**
 * dive as a cross-check of `kfc report`: dive's figures (from its `--ci` output) beside kfc's for the
 * same saved archive, and whether they agree. Pure.
 */

export interface DiveResult {
  efficiency: number;
  wastedBytes: number;
  userWastedRatio: number;
  rules: { rule: string; status: 'PASS' | 'FAIL' | 'WARN' | 'SKIP'; detail: string }[];
  pass: boolean;
}

/** Tolerances of the issue: within 0.5 percentage points of efficiency and 1 MB of wasted bytes. */
const EFFICIENCY_TOLERANCE = 0.005;
const WASTED_TOLERANCE = 1_000_000;

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Parses `dive --ci` output (dive 0.13: "efficiency: 88.8763 %", "wastedBytes: N bytes", rule lines, "Result:"). */
export function parseDiveCi(text: string): DiveResult {
  const plain = text.replace(ANSI, '');
  const num = (re: RegExp, what: string): number => {
    const m = re.exec(plain);
    if (!m) throw new Error(`dive output has no ${what} line: ${plain.slice(0, 300)}`);
    return Number(m[1]);
  };
  const efficiency = num(/^\s*efficiency:\s*([\d.]+)\s*%/m, 'efficiency') / 100;
  const wastedBytes = num(/^\s*wastedBytes:\s*(\d+)\s*bytes/m, 'wastedBytes');
  const userWastedRatio = num(/^\s*userWastedPercent:\s*([\d.]+|NaN)\s*%/m, 'userWastedPercent') / 100;
  const rules: DiveResult['rules'] = [];
  for (const m of plain.matchAll(/^\s*(PASS|FAIL|WARN|SKIP):\s*(\w+)(?::\s*(.*))?$/gm)) {
    rules.push({ status: m[1] as DiveResult['rules'][number]['status'], rule: m[2]!, detail: (m[3] ?? '').trim() });
  }
  const result = /^Result:(PASS|FAIL|WARN)/m.exec(plain);
  if (!result) throw new Error(`dive output has no Result line: ${plain.slice(-300)}`);
  return {
    efficiency,
    wastedBytes,
    userWastedRatio: Number.isNaN(userWastedRatio) ? 0 : userWastedRatio,
    rules,
    pass: result[1] !== 'FAIL',
  };
}

export interface KfcFigures {
  efficiency: number;
  wastedBytes: number;
  /** Σ per-path minimum and cumulative sizes (efficiency = min / cumulative). */
  minBytes: number;
  cumulativeBytes: number;
  /** Bytes kfc counts as waste and dive does not (files removed with their directory; docs/report.md). */
  directoryRemovedBytes: number;
  /** The efficiency gate (images.yaml gates), given to dive too. */
  minEfficiency: number;
}

export interface CrossCheck {
  image: string;
  kfc: KfcFigures;
  dive: DiveResult;
  /** kfc's figures with the documented difference taken out: what dive must match. */
  kfcDiveStyle: { efficiency: number; wastedBytes: number };
  /** kfc report --check's efficiency verdict (its own accounting) and the dive-style one. */
  kfcGatePass: boolean;
  diveStyleGatePass: boolean;
  efficiencyDelta: number;
  wastedDelta: number;
  agree: boolean;
  /** One line per disagreement; empty when they agree. */
  problems: string[];
}

/** Agreement: figures within tolerance, and both gates give the same verdict. */
export function crossCheck(image: string, kfc: KfcFigures, dive: DiveResult): CrossCheck {
  const explained = kfc.directoryRemovedBytes;
  const kfcDiveStyle = {
    efficiency: kfc.cumulativeBytes === 0 ? 1 : (kfc.minBytes + explained) / kfc.cumulativeBytes,
    wastedBytes: kfc.wastedBytes - explained,
  };
  const efficiencyDelta = kfcDiveStyle.efficiency - dive.efficiency;
  const wastedDelta = kfcDiveStyle.wastedBytes - dive.wastedBytes;
  const why = explained
    ? ` after taking out ${explained} bytes of files removed with their directory (docs/report.md)`
    : '';
  const problems: string[] = [];
  if (Math.abs(efficiencyDelta) > EFFICIENCY_TOLERANCE) {
    problems.push(
      `efficiency kfc ${pct(kfcDiveStyle.efficiency)} vs dive ${pct(dive.efficiency)} ` +
        `(differ by ${(Math.abs(efficiencyDelta) * 100).toFixed(2)} points > 0.5${why})`,
    );
  }
  if (Math.abs(wastedDelta) > WASTED_TOLERANCE) {
    problems.push(
      `wasted bytes kfc ${kfcDiveStyle.wastedBytes} vs dive ${dive.wastedBytes} ` +
        `(differ by ${Math.abs(wastedDelta)} > ${WASTED_TOLERANCE}${why})`,
    );
  }
  const kfcGatePass = kfc.efficiency >= kfc.minEfficiency;
  // dive judges with its own accounting: its verdict must match kfc's figures counted its way.
  const diveStyleGatePass = kfcDiveStyle.efficiency >= kfc.minEfficiency;
  if (diveStyleGatePass !== dive.pass) {
    const failed = dive.rules.filter((r) => r.status === 'FAIL').map((r) => `${r.rule} ${r.detail}`.trim());
    problems.push(
      `gate verdicts differ: kfc ${diveStyleGatePass ? 'PASS' : 'FAIL'}${why}, ` +
        `dive ${dive.pass ? 'PASS' : `FAIL (${failed.join('; ')})`}`,
    );
  }
  return {
    image,
    kfc,
    dive,
    kfcDiveStyle,
    kfcGatePass,
    diveStyleGatePass,
    efficiencyDelta,
    wastedDelta,
    agree: problems.length === 0,
    problems,
  };
}

export function pct(r: number): string {
  return `${(r * 100).toFixed(4)} %`;
}
