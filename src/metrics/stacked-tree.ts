/** The stacked filesystem of an image's layers, to know what a whiteout or an opaque directory removes. */

interface TreeNode {
  dir: boolean;
  size: number;
  children?: Map<string, TreeNode>;
}

export class StackedTree {
  private readonly root: TreeNode = { dir: true, size: 0, children: new Map() };

  private parentOf(path: string, create: boolean): { parent: TreeNode; name: string } | undefined {
    const parts = path.split('/');
    const name = parts.pop()!;
    let cur = this.root;
    for (const part of parts) {
      let next = cur.children!.get(part);
      if (!next?.dir) {
        if (!create) return undefined;
        next = { dir: true, size: 0, children: new Map() };
        cur.children!.set(part, next); // a file in the way is replaced (engines do not write this)
      }
      cur = next;
    }
    return { parent: cur, name };
  }

  get(path: string): TreeNode | undefined {
    if (path === '') return this.root;
    const loc = this.parentOf(path, false);
    return loc?.parent.children?.get(loc.name);
  }

  /** Removes the path and returns the non-directory paths it held, with their sizes. */
  remove(path: string): [string, number][] {
    const loc = this.parentOf(path, false);
    const node = loc?.parent.children?.get(loc.name);
    if (!loc || !node) return [];
    loc.parent.children!.delete(loc.name);
    return collect(node, path);
  }

  /** Removes everything under a directory (the directory itself stays). */
  clear(path: string): [string, number][] {
    const node = this.get(path);
    if (!node?.dir) return [];
    const out: [string, number][] = [];
    for (const [name, child] of node.children!) out.push(...collect(child, path ? `${path}/${name}` : name));
    node.children!.clear();
    return out;
  }

  /** Sets a path; returns what it displaced (a directory replaced by a file, or the reverse). */
  set(path: string, dir: boolean, size: number): [string, number][] {
    const { parent, name } = this.parentOf(path, true)!;
    const old = parent.children!.get(name);
    if (dir) {
      if (old?.dir) return [];
      parent.children!.set(name, { dir: true, size: 0, children: new Map() });
      return old ? [[path, old.size]] : [];
    }
    parent.children!.set(name, { dir: false, size });
    return old?.dir ? collect(old, path) : [];
  }
}

function collect(node: TreeNode, path: string): [string, number][] {
  if (!node.dir) return [[path, node.size]];
  const out: [string, number][] = [];
  const walk = (n: TreeNode, p: string) => {
    for (const [name, child] of n.children!) {
      const cp = `${p}/${name}`;
      if (child.dir) walk(child, cp);
      else out.push([cp, child.size]);
    }
  };
  walk(node, path);
  return out;
}
