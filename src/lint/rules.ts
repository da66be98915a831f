/** One lint rule: pure, looks at one instruction with what came before it. */
export type Severity = 'error' | 'warning' | 'off';

interface InstructionView {
  keyword: string;
  /** Flags (--mount=…) then arguments, with line continuations joined. */
  args: string;
  /** 0-based line of the instruction in the generated Dockerfile. */
  line: number;
  /** The SHELL in effect (JSON array text), or undefined for the default /bin/sh -c. */
  shell: string | undefined;
}

export interface Rule {
  id: string;
  severity: Severity;
  summary: string;
  check(inst: InstructionView): string | undefined;
}

const USER_PIP = /\b(pip3?|python3?\s+-m\s+pip|conda|mamba|micromamba)\s+install\b/;
const CONDA_PLACE = /\$\{?CONDA_DIR\}?|\/opt\/conda\b/;
const HOME_PLACE = /\/home\/(\$\{?NB_USER\}?|jovyan)\b|\$\{?HOME\}?\//;
// Commands that write files, then (within the same command) a path in $CONDA_DIR or in the home.
const WRITE_VERBS = String.raw`>|\btee\b|\bcp\b|\bmv\b|\bmkdir\b|\bln\b`;
const WRITES_CONDA = new RegExp(
  String.raw`(${WRITE_VERBS}|\bvenv\b|-m\s+venv|--prefix)[^;&|]*(\$\{?CONDA_DIR\}?|\/opt\/conda)`,
);
const WRITES_HOME = new RegExp(
  String.raw`(${WRITE_VERBS}|\btouch\b|\binstall\b)[^;&|]*(\/home\/(\$\{?NB_USER\}?|jovyan))`,
);
const R_INSTALL = /\binstall\.packages\s*\(|\bremotes::install_|\binstall2\.r\b/;

function fixes(args: string, place: 'conda' | 'home' | 'any'): boolean {
  const calls = args.match(/fix-permissions\s+("[^"]*"|'[^']*'|\S+)/g) ?? [];
  if (place === 'any') return calls.length > 0;
  return calls.some((c) => (place === 'conda' ? CONDA_PLACE.test(c) : HOME_PLACE.test(c)));
}

/** Text of a RUN without its flags (--mount=…) so a secret path does not look like a write. */
function runCommand(args: string): string {
  return args.replace(/^(\s*--[a-z-]+=\S+)+/, '');
}

const PREFIX_WORD = /^(then|do|else|if|elif|while|until|!|\{|sudo|exec|time|env|command|nohup|xargs)$/;

/**
 * How many simple commands of a shell line run curl or wget. Only the command word counts, so
 * `apt-get install curl wget` (package names) is not a download.
 */
export function downloadCommands(cmd: string): number {
  let n = 0;
  for (const seg of cmd.split(/&&|\|\||\$\(|[;|&(`\n]/)) {
    const words = seg.trim().split(/\s+/).filter(Boolean);
    let i = 0;
    while (i < words.length) {
      const w = words[i]!;
      if (PREFIX_WORD.test(w) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) i++;
      else if (w.startsWith('-') && i > 0 && /^(sudo|xargs|env|time)$/.test(words[i - 1]!))
        i += /^-[ugCI]$/.test(w) ? 2 : 1;
      else break;
    }
    const word = words[i]
      ?.replace(/^["']|["']$/g, '')
      .split('/')
      .pop();
    if (word === 'curl' || word === 'wget') n++;
  }
  return n;
}

export const RULES: Rule[] = [
  {
    id: 'fix-permissions',
    severity: 'error',
    summary: 'a RUN that writes user-editable places ends with fix-permissions of them in the same RUN',
    check(inst) {
      if (inst.keyword !== 'RUN') return;
      const cmd = runCommand(inst.args);
      const needsConda = USER_PIP.test(cmd) || WRITES_CONDA.test(cmd);
      const needsHome = WRITES_HOME.test(cmd);
      const missing: string[] = [];
      if (needsConda && !fixes(cmd, 'conda')) missing.push('fix-permissions "$CONDA_DIR"');
      if (needsHome && !fixes(cmd, 'home')) missing.push('fix-permissions "/home/$NB_USER"');
      if (R_INSTALL.test(cmd) && !fixes(cmd, 'any')) missing.push('fix-permissions of the R library it writes');
      if (missing.length)
        return (
          `this RUN writes user-editable files; end it with ${missing.join(' && ')} ` +
          `(a later chmod copies every byte)`
        );
    },
  },
  {
    id: 'apt-no-recommends',
    severity: 'error',
    summary: 'apt-get install uses --no-install-recommends',
    check(inst) {
      if (inst.keyword !== 'RUN') return;
      if (
        /\bapt(-get)?\s+(-\S+\s+)*install\b/.test(inst.args) &&
        !/--no-install-recommends|APT::Install-Recommends=(false|0)/.test(inst.args)
      ) {
        return 'apt-get install without --no-install-recommends pulls in recommended packages; add the flag';
      }
    },
  },
  {
    id: 'apt-lists-cleanup',
    severity: 'error',
    summary: 'apt-get update/install removes /var/lib/apt/lists in the same RUN',
    check(inst) {
      if (inst.keyword !== 'RUN') return;
      if (
        /\bapt(-get)?\s+(-\S+\s+)*(update|install)\b/.test(inst.args) &&
        !/rm\s+-[a-zA-Z]*r[a-zA-Z]*f?\s+[^;&|]*\/var\/lib\/apt\/lists/.test(inst.args) &&
        !/--mount=type=cache[^ ]*target=\/var\/lib\/apt/.test(inst.args)
      ) {
        return 'apt package lists stay in the layer; end the RUN with rm -rf /var/lib/apt/lists/*';
      }
    },
  },
  {
    id: 'pipefail',
    severity: 'error',
    summary: 'a RUN with a pipe sets pipefail',
    check(inst) {
      if (inst.keyword !== 'RUN') return;
      const cmd = runCommand(inst.args).replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, '""');
      if (!/(^|[^|])\|([^|]|$)/.test(cmd)) return;
      if (inst.shell && /pipefail/.test(inst.shell)) return;
      if (/set\s+-[a-z]*o\s+pipefail|set\s+-o\s+pipefail|set\s+-euo\s+pipefail/.test(cmd)) return;
      return (
        'a failing command before a pipe would go unnoticed; ' +
        'use SHELL ["/bin/bash", "-o", "pipefail", "-c"] or set -o pipefail'
      );
    },
  },
  {
    id: 'download-verified',
    severity: 'error',
    summary: 'every curl/wget download is checked with sha256sum in the same RUN',
    check(inst) {
      if (inst.keyword !== 'RUN' && inst.keyword !== 'ADD') return;
      if (inst.keyword === 'ADD') {
        if (/https?:\/\//.test(inst.args) && !/--checksum=sha256:/.test(inst.args))
          return 'ADD of a URL without --checksum=sha256:…; declare a vendor artifact instead';
        return;
      }
      const downloads = downloadCommands(runCommand(inst.args));
      if (downloads === 0) return;
      const checks = (inst.args.match(/\bsha256sum\b/g) ?? []).length;
      if (checks === 0)
        return (
          `${downloads} download(s) not verified; check each with sha256sum -c ` +
          `(better: declare a vendor artifact and let kfc fetch it)`
        );
    },
  },
];

/** Rules that look at the whole file rather than one instruction. */
export const FILE_RULES = {
  finalUser: { id: 'final-user', severity: 'error' as Severity, summary: 'the final USER is not root' },
  basePinned: {
    id: 'base-pinned',
    severity: 'error' as Severity,
    summary: 'the root base is pinned (not :latest, not untagged)',
  },
};

export const ALL_RULE_IDS = [...RULES.map((r) => r.id), FILE_RULES.finalUser.id, FILE_RULES.basePinned.id];
