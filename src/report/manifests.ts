/**
 * Package manifests of an image: the commands run inside a container, the parsers of their
 * output (pure), and the diff between two reports' manifests (pure).
 */

export interface Pkg {
  name: string;
  version: string;
  /** Python: 'conda' ($CONDA_DIR) or 'system'; R: the library path; otherwise absent. */
  where?: string;
}

export interface LabExtension extends Pkg {
  enabled: boolean;
}

export interface Kernel {
  name: string;
  displayName: string;
  language: string;
}

export interface Manifests {
  debian: Pkg[];
  python: Pkg[];
  r: Pkg[];
  npm: Pkg[];
  kernels: Kernel[];
  labextensions: LabExtension[];
  /** Sections whose tool is not in the image (e.g. "r: Rscript not found"). */
  absent: string[];
  /** Sections whose tool failed, one line each. */
  errors: string[];
}

const ECOSYSTEMS = ['debian', 'python', 'r', 'npm', 'labextensions'] as const;
type Ecosystem = (typeof ECOSYSTEMS)[number];

/** A probe: a shell command run in the container; exit 127 (or the marker) means "tool absent". */
export interface Probe {
  section: keyof Omit<Manifests, 'absent' | 'errors'>;
  tool: string;
  script: string;
}

export const ABSENT = '__kfc_absent__';
// Terminal colour codes some Jupyter commands print even without a terminal.
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

const PY_LIST = [
  'import json, sys',
  'import importlib.metadata as m',
  'out = []',
  'for d in m.distributions():',
  '    try:',
  '        loc = str(d.locate_file(""))',
  '    except Exception:',
  '        loc = ""',
  '    out.append([d.metadata["Name"], d.version, loc])',
  'print(json.dumps({"prefix": sys.prefix, "dists": out}))',
].join('\n');

const KERNELS = [
  'import json',
  'from jupyter_client.kernelspec import KernelSpecManager',
  'print(json.dumps({"kernelspecs": KernelSpecManager().get_all_specs()}))',
].join('\n');

const R_LIST =
  'ip <- installed.packages()[, c("Package", "Version", "LibPath"), drop = FALSE]; ' +
  'write.table(ip, sep = "\\t", quote = FALSE, row.names = FALSE, col.names = FALSE)';

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const need = (tool: string) => `command -v ${tool} >/dev/null 2>&1 || { echo ${ABSENT}; exit 0; }; `;

export function probes(): Probe[] {
  return [
    {
      section: 'debian',
      tool: 'dpkg-query',
      script: `${need('dpkg-query')}dpkg-query -W -f='\${Package}\\t\${Version}\\n'`,
    },
    {
      section: 'python',
      tool: 'python3',
      // $CONDA_DIR's interpreter (a venv that also sees Debian's packages) then the system one.
      script:
        `found=; for py in "\${CONDA_DIR:-/opt/conda}/bin/python" /usr/bin/python3; do [ -x "$py" ] || continue; ` +
        `found=1; "$py" -c ${sq(PY_LIST)} || true; done; [ -n "$found" ] || echo ${ABSENT}`,
    },
    { section: 'r', tool: 'Rscript', script: `${need('Rscript')}Rscript -e ${sq(R_LIST)}` },
    { section: 'npm', tool: 'npm', script: `${need('npm')}npm ls -g --depth=0 --json 2>/dev/null || true` },
    {
      section: 'kernels',
      tool: 'jupyter_client',
      // jupyter_client's API (Debian does not always ship the jupyter-kernelspec script).
      script:
        `for py in "\${CONDA_DIR:-/opt/conda}/bin/python" /usr/bin/python3; do [ -x "$py" ] && ` +
        `"$py" -c 'import jupyter_client' 2>/dev/null && exec "$py" -c ${sq(KERNELS)}; done; echo ${ABSENT}`,
    },
    {
      section: 'labextensions',
      tool: 'jupyter labextension',
      script:
        `if command -v jupyter-labextension >/dev/null 2>&1; then jupyter-labextension list 2>&1; ` +
        `elif command -v jupyter >/dev/null 2>&1; then jupyter labextension list 2>&1; ` +
        `else echo ${ABSENT}; fi`,
    },
  ];
}

const byName = (a: Pkg, b: Pkg) =>
  a.name.toLowerCase() < b.name.toLowerCase()
    ? -1
    : a.name.toLowerCase() > b.name.toLowerCase()
      ? 1
      : (a.where ?? '') < (b.where ?? '')
        ? -1
        : 1;

export function parseDpkg(out: string): Pkg[] {
  return out
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((p) => p.length >= 2 && p[0] && p[1])
    .map(([name, version]) => ({ name: name!, version: version! }))
    .sort(byName);
}

/** Output of PY_LIST, one JSON line per interpreter. */
export function parsePython(out: string, condaDir = '/opt/conda'): Pkg[] {
  const seen = new Map<string, Pkg>();
  for (const line of out.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    let doc: { prefix: string; dists: [string, string, string][] };
    try {
      doc = JSON.parse(line);
    } catch {
      continue;
    }
    for (const [name, version, loc] of doc.dists) {
      if (!name) continue;
      const where = loc.startsWith(condaDir.replace(/\/$/, '') + '/') ? 'conda' : 'system';
      const key = `${name.toLowerCase()}\0${where}`;
      if (!seen.has(key)) seen.set(key, { name, version, where });
    }
  }
  return [...seen.values()].sort(byName);
}

export function parseR(out: string): Pkg[] {
  return out
    .split('\n')
    .map((l) => l.trim().split('\t'))
    .filter((p) => p.length >= 2 && /^[A-Za-z][A-Za-z0-9.]*$/.test(p[0]!))
    .map(([name, version, where]) => ({ name: name!, version: version!, ...(where ? { where } : {}) }))
    .sort(byName);
}

export function parseNpm(out: string): Pkg[] {
  const start = out.indexOf('{');
  if (start < 0) return [];
  try {
    const doc = JSON.parse(out.slice(start)) as { dependencies?: Record<string, { version?: string }> };
    return Object.entries(doc.dependencies ?? {})
      .map(([name, d]) => ({ name, version: d.version ?? '' }))
      .sort(byName);
  } catch {
    return [];
  }
}

export function parseKernels(out: string): Kernel[] {
  const start = out.indexOf('{');
  if (start < 0) return [];
  try {
    const doc = JSON.parse(out.slice(start)) as {
      kernelspecs?: Record<string, { spec?: { display_name?: string; language?: string } }>;
    };
    return Object.entries(doc.kernelspecs ?? {})
      .map(([name, k]) => ({ name, displayName: k.spec?.display_name ?? name, language: k.spec?.language ?? '' }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch {
    return [];
  }
}

/** `jupyter labextension list` lines: `  name v1.2.3 enabled OK (python, pkg)`. */
export function parseLabExtensions(out: string): LabExtension[] {
  const seen = new Map<string, LabExtension>();
  for (const raw of out.replace(ANSI_COLOUR, '').split('\n')) {
    const m = /^\s+(@?[A-Za-z0-9._/-]+)\s+v?([0-9][^\s]*)\s+(enabled|disabled)\b/.exec(raw);
    if (m && !seen.has(m[1]!)) seen.set(m[1]!, { name: m[1]!, version: m[2]!, enabled: m[3] === 'enabled' });
  }
  return [...seen.values()].sort(byName);
}

export function emptyManifests(): Manifests {
  return { debian: [], python: [], r: [], npm: [], kernels: [], labextensions: [], absent: [], errors: [] };
}

/** Fills one section from a probe's output. */
export function applyProbe(
  m: Manifests,
  probe: Probe,
  res: { exitCode: number; stdout: string; stderr: string },
  condaDir?: string,
): void {
  if (res.stdout.trim() === ABSENT || res.exitCode === 127) {
    m.absent.push(`${probe.section}: ${probe.tool} not found`);
    return;
  }
  const out = res.stdout;
  switch (probe.section) {
    case 'debian':
      m.debian = parseDpkg(out);
      break;
    case 'python':
      m.python = parsePython(out, condaDir);
      break;
    case 'r':
      m.r = parseR(out);
      break;
    case 'npm':
      m.npm = parseNpm(out);
      break;
    case 'kernels':
      m.kernels = parseKernels(out);
      break;
    case 'labextensions':
      m.labextensions = parseLabExtensions(out);
      break;
  }
  if (res.exitCode !== 0 && (m[probe.section] as unknown[]).length === 0) {
    m.errors.push(
      `${probe.section}: ${probe.tool} exited ${res.exitCode}: ${
        (res.stderr || res.stdout)
          .split('\n')
          .find((l) => l.trim())
          ?.trim() ?? ''
      }`.slice(0, 300),
    );
  }
}

// ---- diff ----

interface PkgChange {
  ecosystem: Ecosystem;
  name: string;
  where?: string;
  from?: string;
  to?: string;
}

export interface ManifestDiff {
  added: PkgChange[];
  removed: PkgChange[];
  changed: PkgChange[];
}

export function diffManifests(a: Manifests | undefined, b: Manifests | undefined): ManifestDiff {
  const out: ManifestDiff = { added: [], removed: [], changed: [] };
  for (const eco of ECOSYSTEMS) {
    const key = (p: Pkg) => `${p.name.toLowerCase()}\0${p.where ?? ''}`;
    const old = new Map((a?.[eco] ?? []).map((p) => [key(p), p]));
    const neu = new Map((b?.[eco] ?? []).map((p) => [key(p), p]));
    for (const [k, p] of neu) {
      const o = old.get(k);
      const where = p.where ? { where: p.where } : {};
      if (!o) out.added.push({ ecosystem: eco, name: p.name, ...where, to: p.version });
      else if (o.version !== p.version)
        out.changed.push({ ecosystem: eco, name: p.name, ...where, from: o.version, to: p.version });
    }
    for (const [k, p] of old)
      if (!neu.has(k))
        out.removed.push({ ecosystem: eco, name: p.name, ...(p.where ? { where: p.where } : {}), from: p.version });
  }
  return out;
}
