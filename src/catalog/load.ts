import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { ZodIssue } from 'zod';
import { KfcError } from '../errors.ts';
import { DOCKERFILE_INSTRUCTIONS } from './instructions.ts';
import type { Bit, Catalog, ContextFile, ImageNode } from './model.ts';
import { readPythonSources } from './python-files.ts';
import { CatalogSchema, type CatalogSpec, IMAGE_NAME, type Requirement } from './schema.ts';

export const CATALOG_FILE = 'images.yaml';
export const BITS_DIR = 'docker-bits';
export const RESOURCES_DIR = 'resources';
const RESERVED_CONTEXT_NAMES = new Set(['Dockerfile', '.dockerignore', 'Dockerfile.dockerignore']);

/** Reads the YAML text and validates it; errors name the file, the field path and its line. */
export function parseCatalogText(text: string, file: string): CatalogSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    // prettyErrors is off, so linePos is not filled in: map the offset through the line counter.
    const pos = e.linePos?.[0] ?? (e.pos ? lineCounter.linePos(e.pos[0]) : undefined);
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    // The error's range covers only the key's first character; read the key up to its colon.
    const key = e.pos
      ? (/^("[^"\n]*"|'[^'\n]*'|[^:\n]*)/.exec(text.slice(e.pos[0]))?.[1] ?? '').trim().replace(/^["']|["']$/g, '')
      : '';
    const msg =
      e.code === 'DUPLICATE_KEY'
        ? `duplicate key${key ? ` "${key}"` : ''} (image names and fields must be unique)`
        : `invalid YAML: ${e.message.split('\n')[0]}`;
    throw new KfcError(msg, { where, hint: 'fix the YAML syntax at that line' });
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new KfcError('the catalog must be a mapping with an "images" key', {
      where: `${file}:1 (top level)`,
      hint: 'start from the images.yaml in the repository',
    });
  }
  const parsed = CatalogSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // An unknown key is reported at its own line, not at the mapping holding it.
    const linePath =
      issue.code === 'unrecognized_keys' && issue.keys.length > 0 ? [...issue.path, issue.keys[0]!] : issue.path;
    throw new KfcError(describeIssue(issue), {
      where: `${file}:${lineOf(doc.contents, linePath, lineCounter)} ${fieldPath(issue.path)}`,
      hint: hintFor(issue),
    });
  }
  return parsed.data;
}

function fieldPath(path: (string | number)[]): string {
  return path.length === 0
    ? '(top level)'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : p))
        .join('.')
        .replace(/\.\[/g, '[');
}

function describeIssue(issue: ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.received === 'undefined')
    return `missing required field "${issue.path[issue.path.length - 1] ?? ''}"`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}, got ${issue.received}`;
  if (issue.code === 'invalid_union')
    return 'not a known requirement (use debian, npm, pypi, or one of {vendor|download|license: {...}})';
  if (issue.code === 'invalid_enum_value') return `must be one of ${issue.options.join(', ')}`;
  return issue.message;
}

function hintFor(issue: ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return 'remove the key or check its spelling (see docs/conventions.md)';
  if (issue.code === 'invalid_type' && issue.received === 'undefined') return 'add the missing field';
  return 'correct the value';
}

/**
 * Line of the deepest YAML node that exists on the issue's path: the key's line for a mapping
 * entry (so a missing field points at its parent's key), a scalar value's own line, an item's line.
 */
function lineOf(root: unknown, path: (string | number)[], lc: LineCounter): number {
  let node = root as YamlNode | null | undefined;
  let best = 1;
  const note = (n: unknown) => {
    const range = (n as { range?: [number, number, number] } | null)?.range;
    if (range) best = lc.linePos(range[0]).line;
  };
  note(node);
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      note(pair.key);
      node = pair.value as YamlNode;
      if (node && isScalar(node)) note(node);
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key] as YamlNode;
      if (!node) break;
      note(node);
    } else break;
  }
  return best;
}

/** Line in images.yaml of `images.<name>[.field]`, for errors found after validation. */
function catalogLine(text: string, name: string, field?: string): number {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  return lineOf(doc.contents, field ? ['images', name, field] : ['images', name], lc);
}

/**
 * Line in the catalog file under `root` of a field path (e.g. ['lint', 'severity', 'x']), for errors
 * found by later stages.
 */
export function catalogFieldLine(root: string, path: (string | number)[]): number {
  const lc = new LineCounter();
  const doc = parseDocument(readFileSync(join(root, CATALOG_FILE), 'utf8'), { lineCounter: lc });
  return lineOf(doc.contents, path, lc);
}

export interface LoadOptions {
  /** Read bit texts and context files (generation, lint); false for cheap inspection. */
  readFiles?: boolean;
}

/** Loads images.yaml from `root` and builds the validated catalog tree. */
export function loadCatalog(root: string, opts: LoadOptions = {}): Catalog {
  const readFiles = opts.readFiles ?? true;
  const file = CATALOG_FILE;
  const abs = join(root, file);
  if (!existsSync(abs)) {
    throw new KfcError(`no ${file} here`, { where: root, hint: 'run kfc from the repository root or pass --root DIR' });
  }
  const text = readFileSync(abs, 'utf8');
  const spec = parseCatalogText(text, file);
  const where = (name: string, field?: string) =>
    `${file}:${catalogLine(text, name, field)} images.${name}${field ? `.${field}` : ''}`;

  for (const name of Object.keys(spec.images)) {
    if (!IMAGE_NAME.test(name)) {
      throw new KfcError(`"${name}" is not a valid image name`, {
        where: where(name),
        hint: 'use lowercase letters, digits, and single ".", "_" or "-" between them',
      });
    }
  }

  const nodes = new Map<string, ImageNode>();
  const contexts = new Map<string, ContextFile[]>();
  const bitCache = new Map<string, string>();

  const readBit = (bitName: string, owner: string): Bit => {
    const path = `${BITS_DIR}/${bitName}.Dockerfile`;
    let bitText = bitCache.get(path);
    if (bitText === undefined) {
      const bitAbs = join(root, path);
      if (!existsSync(bitAbs) || !statSync(bitAbs).isFile()) {
        throw new KfcError(`bit "${bitName}" not found: ${path} does not exist`, {
          where: where(owner, 'bits'),
          hint: `create ${path} or remove "${bitName}" from the list`,
        });
      }
      bitText = readFileSync(bitAbs, 'utf8');
      validateBit(bitText, path);
      bitCache.set(path, bitText);
    }
    return { name: bitName, path, text: readFiles ? bitText : '', owner };
  };

  const readContext = (set: string, owner: string) => {
    if (contexts.has(set)) return;
    if (RESERVED_CONTEXT_NAMES.has(set)) {
      throw new KfcError(`context set "${set}" collides with the generated ${set}`, {
        where: where(owner, 'context'),
        hint: 'rename the folder under resources/',
      });
    }
    const dir = join(root, RESOURCES_DIR, set);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new KfcError(`context set "${set}" not found: ${RESOURCES_DIR}/${set}/ is not a folder`, {
        where: where(owner, 'context'),
        hint: `create ${RESOURCES_DIR}/${set}/ or remove "${set}"`,
      });
    }
    contexts.set(set, readFiles ? listContext(dir, set) : []);
  };

  // Resolve parents, refusing unknown ones and cycles.
  const parentOf = (name: string): string | undefined => spec.images[name]!.extends;
  for (const name of Object.keys(spec.images)) {
    const seen = [name];
    let cur = parentOf(name);
    while (cur !== undefined) {
      if (!spec.images[cur]) {
        const child = seen[seen.length - 1]!;
        throw new KfcError(`unknown parent image "${cur}"`, {
          where: where(child, 'extends'),
          hint: `define images.${cur} or extend one of: ${Object.keys(spec.images).join(', ')}`,
        });
      }
      if (seen.includes(cur)) {
        throw new KfcError(`cycle in "extends": ${[...seen, cur].join(' -> ')}`, {
          where: where(name, 'extends'),
          hint: 'an image cannot be its own ancestor; make one of them extend a base with "from"',
        });
      }
      seen.push(cur);
      cur = parentOf(cur);
    }
  }

  const build = (name: string): ImageNode => {
    const existing = nodes.get(name);
    if (existing) return existing;
    const img = spec.images[name]!;
    const parent = img.extends ? build(img.extends) : undefined;
    let baseKey: string;
    let baseImage: string;
    if (parent) {
      baseKey = parent.baseKey;
      baseImage = parent.baseImage;
    } else {
      const from = img.from!;
      const base = spec.bases[from];
      if (base) {
        baseKey = from;
        baseImage = base.image;
      } else if (/^[a-z0-9./_-]+(:[A-Za-z0-9_.-]+|@sha256:[0-9a-f]{64})$/.test(from)) {
        baseKey = from;
        baseImage = from;
        if (from.endsWith(':latest')) {
          throw new KfcError(`root base "${from}" uses :latest`, {
            where: where(name, 'from'),
            hint: 'pin a tag or digest so builds are reproducible',
          });
        }
      } else {
        const known = Object.keys(spec.bases);
        throw new KfcError(
          `"from: ${from}" is neither a base defined under "bases" nor an image reference with a tag`,
          {
            where: where(name, 'from'),
            hint: known.length ? `use one of: ${known.join(', ')}` : 'define it under "bases" or write repository:tag',
          },
        );
      }
    }
    const seenBits = new Set<string>();
    for (const b of img.bits) {
      if (seenBits.has(b))
        throw new KfcError(`bit "${b}" is listed twice`, { where: where(name, 'bits'), hint: 'list each bit once' });
      seenBits.add(b);
    }
    const ownBits = img.bits.map((b) => readBit(b, name));
    for (const b of ownBits) {
      const clash = parent?.bits.find((pb) => pb.name === b.name);
      if (clash)
        throw new KfcError(`bit "${b.name}" is already in ancestor "${clash.owner}"`, {
          where: where(name, 'bits'),
          hint: "a child inherits its ancestors' bits; remove it here",
        });
    }
    for (const set of img.context) readContext(set, name);
    const node: ImageNode = {
      name,
      spec: img,
      parent,
      children: [],
      chain: [],
      depth: parent ? parent.depth + 1 : 0,
      baseKey,
      base: spec.bases[baseKey],
      baseImage,
      ownBits,
      bits: [...(parent?.bits ?? []), ...ownBits],
      contextSets: [...new Set([...(parent?.contextSets ?? []), ...img.context])],
      args: { ...(parent?.args ?? {}), ...img.args },
      // A Python lock is installed from the Python index (or a fetched wheelhouse).
      requires: mergeRequirements(
        parent?.requires ?? [],
        img.python && !img.requires.includes('pypi') ? [...img.requires, 'pypi'] : img.requires,
      ),
    };
    node.chain = [...(parent?.chain ?? []), node];
    parent?.children.push(node);
    nodes.set(name, node);
    return node;
  };
  for (const name of Object.keys(spec.images)) build(name);

  // Parents first; siblings keep catalog order.
  const order: ImageNode[] = [];
  const visit = (n: ImageNode) => {
    order.push(n);
    n.children.forEach(visit);
  };
  [...nodes.values()].filter((n) => !n.parent).forEach(visit);

  // The same file name from two sets would be ambiguous in a flat COPY; sets keep their own folder,
  // so only a set shadowing a generated file can collide (checked above).
  const python = readPythonSources(root, order, where);
  return { root, file, spec, nodes, order, contexts, python };
}

function mergeRequirements(inherited: Requirement[], own: Requirement[]): Requirement[] {
  const key = (r: Requirement) => JSON.stringify(r);
  const seen = new Set(inherited.map(key));
  return [...inherited, ...own.filter((r) => !seen.has(key(r)))];
}

/** A bit must be a Dockerfile fragment: known instructions, no FROM (kfc writes it). */
function validateBit(text: string, path: string): void {
  if (text.trim() === '')
    throw new KfcError('bit is empty', { where: path, hint: 'add instructions or remove the bit from images.yaml' });
  const dockerfile = DockerfileParser.parse(text);
  for (const inst of dockerfile.getInstructions()) {
    const kw = inst.getKeyword().toUpperCase();
    const line = inst.getRange().start.line + 1;
    if (kw === 'FROM') {
      throw new KfcError('a bit must not contain FROM (kfc writes FROM from the catalog)', {
        where: `${path}:${line}`,
        hint: 'remove the FROM line; set the base with "from:" in images.yaml',
      });
    }
    if (!DOCKERFILE_INSTRUCTIONS.has(kw)) {
      throw new KfcError(`"${inst.getKeyword()}" is not a Dockerfile instruction`, {
        where: `${path}:${line}`,
        hint: 'bits hold Dockerfile instructions only',
      });
    }
  }
}

function listContext(dir: string, set: string): ContextFile[] {
  const out: ContextFile[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        const st = statSync(p);
        out.push({
          set,
          rel: relative(dir, p).split('\\').join('/'),
          content: readFileSync(p),
          executable: (st.mode & 0o111) !== 0,
        });
      }
    }
  };
  walk(dir);
  return out;
}
