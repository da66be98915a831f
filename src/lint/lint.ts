import { DockerfileParser } from 'dockerfile-ast';
import type { GeneratedImage, LineOrigin } from '../generate/generate.ts';
import { FILE_RULES, RULES, type Severity } from './rules.ts';

export interface Finding {
  file: string;
  line: number;
  rule: string;
  severity: Exclude<Severity, 'off'>;
  message: string;
  /** Images whose Dockerfile carries this finding. */
  images: string[];
}

export type SeverityConfig = Record<string, Severity>;

const IGNORE = /#\s*kfc-lint\s+ignore=([a-z0-9,-]+)/;

/** Lints generated Dockerfiles and maps each finding back to the bit (and line) it came from. */
export function lintImages(images: GeneratedImage[], config: SeverityConfig = {}): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const img of images) {
    for (const f of lintDockerfile(img.dockerfile, img.origins, config)) {
      const key = `${f.file}:${f.line}:${f.rule}`;
      const seen = byKey.get(key);
      if (seen) seen.images.push(img.name);
      else byKey.set(key, { ...f, images: [img.name] });
    }
  }
  return [...byKey.values()].sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}

export function lintDockerfile(
  text: string,
  origins: LineOrigin[],
  config: SeverityConfig = {},
): Omit<Finding, 'images'>[] {
  const lines = text.split('\n');
  const doc = DockerfileParser.parse(text);
  const findings: Omit<Finding, 'images'>[] = [];
  const severityOf = (id: string, dflt: Severity): Severity => config[id] ?? dflt;
  const origin = (line0: number): LineOrigin => origins[line0] ?? { file: 'Dockerfile', line: line0 + 1 };
  const ignored = (line0: number, id: string): boolean => {
    for (let i = line0 - 1; i >= 0 && /^\s*#/.test(lines[i] ?? ''); i--) {
      const m = IGNORE.exec(lines[i]!);
      if (m && m[1]!.split(',').includes(id)) return true;
    }
    return false;
  };
  const report = (line0: number, id: string, dflt: Severity, message: string) => {
    const sev = severityOf(id, dflt);
    if (sev === 'off' || ignored(line0, id)) return;
    const o = origin(line0);
    findings.push({ file: o.file, line: o.line, rule: id, severity: sev, message });
  };

  let shell: string | undefined;
  let lastUser: { line: number; user: string } | undefined;
  for (const inst of doc.getInstructions()) {
    const keyword = inst.getKeyword().toUpperCase();
    const line = inst.getRange().start.line;
    const args = (inst.getArgumentsContent() ?? '').replace(/\\\n/g, ' ');
    // getArgumentsContent() leaves out flags (--mount=…, --checksum=…); the rules look at them.
    const flags =
      'getFlags' in inst
        ? (inst as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }).getFlags()
        : [];
    const ruleArgs = [
      ...flags.map((f) => `--${f.getName()}${f.getValue() === null ? '' : `=${f.getValue()}`}`),
      args,
    ].join(' ');
    if (keyword === 'SHELL') shell = args;
    if (keyword === 'USER') lastUser = { line, user: args.trim() };
    if (keyword === 'FROM') {
      const ref = args.trim().split(/\s+/)[0] ?? '';
      const untagged = !/[:@]/.test(ref.split('/').pop() ?? '');
      if (ref.endsWith(':latest') || untagged) {
        report(
          line,
          FILE_RULES.basePinned.id,
          FILE_RULES.basePinned.severity,
          `base "${ref}" is not pinned; give a tag other than latest (or a digest)`,
        );
      }
    }
    for (const rule of RULES) {
      const msg = rule.check({ keyword, args: ruleArgs, line, shell });
      if (msg) report(line, rule.id, rule.severity, msg);
    }
  }
  const user = lastUser?.user.split(':')[0];
  if (!lastUser || user === 'root' || user === '0') {
    const at = lastUser ? lastUser.line : lastInstructionLine(doc);
    report(
      at,
      FILE_RULES.finalUser.id,
      FILE_RULES.finalUser.severity,
      lastUser
        ? 'the image ends as root; end with USER ${NB_UID}'
        : 'no USER instruction: the image runs as root; end with USER ${NB_UID}',
    );
  }
  return findings;
}

function lastInstructionLine(doc: ReturnType<typeof DockerfileParser.parse>): number {
  const all = doc.getInstructions();
  return all.length ? all[all.length - 1]!.getRange().start.line : 0;
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}: ${f.rule} ${f.severity}: ${f.message}`;
}
