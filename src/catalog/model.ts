import type { BaseSpec, CatalogSpec, ImageSpec, Requirement } from './schema.ts';

/** One Dockerfile fragment as read from docker-bits/. */
export interface Bit {
  name: string;
  /** Path relative to the repository root, e.g. docker-bits/foundation-os.Dockerfile. */
  path: string;
  text: string;
  /** The node that lists this bit. */
  owner: string;
}

/** One file of a context set, as read from resources/<set>/. */
export interface ContextFile {
  set: string;
  /** Path inside the set, '/'-separated. */
  rel: string;
  content: Buffer;
  executable: boolean;
}

export interface ImageNode {
  name: string;
  spec: ImageSpec;
  parent: ImageNode | undefined;
  children: ImageNode[];
  /** root … self */
  chain: ImageNode[];
  depth: number;
  baseKey: string;
  base: BaseSpec | undefined;
  /** The FROM reference of the generated Dockerfile. */
  baseImage: string;
  /** Own bits, in order. */
  ownBits: Bit[];
  /** Every ancestor's bits, root first, then own. */
  bits: Bit[];
  /** Context sets of the chain, root first, each once. */
  contextSets: string[];
  /** Build args of the chain; a child's value overrides its ancestors'. */
  args: Record<string, string>;
  /** Outside sources of the chain (a child needs what its parents need). */
  requires: Requirement[];
}

export interface Catalog {
  /** Repository root holding images.yaml, docker-bits/, resources/. */
  root: string;
  file: string;
  spec: CatalogSpec;
  nodes: Map<string, ImageNode>;
  /** Parents before children; siblings in catalog order. */
  order: ImageNode[];
  contexts: Map<string, ContextFile[]>;
  /** python/<lock>.in and .lock by lock name (images' `python:` fields). */
  python?: Map<string, PythonFiles>;
}

/** python/<name>.in and python/<name>.lock as read from the repository (lock absent until kfc lock). */
export interface PythonFiles {
  /** The image whose `python:` field names this lock. */
  owner: string;
  in: Buffer;
  lock: Buffer | undefined;
}
