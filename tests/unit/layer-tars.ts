// Layer tars built in memory, shared by the archive and efficiency tests.
import { createHash } from 'node:crypto';
import tar from 'tar-stream';

export type E =
  | { name: string; size: number } // regular file of that many bytes
  | { name: string; dir: true }
  | { name: string; link: string } // hard link
  | { name: string; symlink: string };

/** A tar member: a file when it has a body, else what its type says. */
export interface Member {
  name: string;
  type?: 'file' | 'directory' | 'link' | 'symlink';
  linkname?: string;
  body?: Buffer;
}

/** Builds a tar of the members, in order, in memory with tar-stream. */
export async function packTar(members: Member[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  for (const { body, ...header } of members) {
    await new Promise<void>((res, rej) => {
      const cb = (err?: Error | null) => (err ? rej(err) : res());
      if (body) pack.entry(header, body, cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A layer tar of the entries. */
export function makeTar(entries: E[]): Promise<Buffer> {
  return packTar(
    entries.map((e): Member => {
      if ('dir' in e) return { name: e.name, type: 'directory' };
      if ('link' in e) return { name: e.name, type: 'link', linkname: e.link };
      if ('symlink' in e) return { name: e.name, type: 'symlink', linkname: e.symlink };
      return { name: e.name, type: 'file', body: Buffer.alloc(e.size, 0x61) };
    }),
  );
}

export async function* once(buf: Buffer, chunk = 700): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk);
}

export const hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');
export const sha = (b: Buffer) => `sha256:${hex(b)}`;

// Layer 0: files, a dir, a hard link and a symlink.
export const L0: E[] = [
  { name: 'a/', dir: true },
  { name: 'a/x', size: 100 },
  { name: 'a/y', size: 50 },
  { name: 'b/', dir: true },
  { name: 'b/z', size: 30 },
  { name: 'hl', link: 'a/x' },
  { name: 'sym', symlink: 'a/y' },
  { name: 'd/', dir: true },
  { name: 'd/e/', dir: true },
  { name: 'd/e/f', size: 10 },
  { name: 'd/g', size: 5 },
];
// Layer 1: a/x rewritten (a chmod copies it), b/z whited out, d made opaque with a new file, c added.
export const L1: E[] = [
  { name: 'a/', dir: true },
  { name: 'a/x', size: 100 },
  { name: 'b/', dir: true },
  { name: 'b/.wh.z', size: 0 },
  { name: 'd/', dir: true },
  { name: 'd/.wh..wh..opq', size: 0 },
  { name: 'd/new', size: 7 },
  { name: 'c', size: 20 },
];
// Layer 2: the whole of a/ removed (x and y), c grows.
export const L2: E[] = [
  { name: '.wh.a', size: 0 },
  { name: 'c', size: 25 },
];
