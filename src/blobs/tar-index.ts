/**
 * Where each member of a tar file on disk starts and how long it is, from its headers alone (no member's
 * bytes are read): a saved image's layers can then be read as ranges of the one archive. ustar, with
 * GNU long names (L), pax headers (x: path, size) and base-256 sizes, as Go's archive/tar writes them.
 */
import { open } from 'node:fs/promises';
import { KfcError } from '../errors.ts';

export interface TarMember {
  name: string;
  /** The first byte of the member's content in the file. */
  offset: number;
  size: number;
  /** The tar type flag: '0' a file, '5' a directory… */
  type: string;
}

const BLOCK = 512;
const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

const text = (b: Buffer, at: number, len: number) => {
  const s = b.subarray(at, at + len);
  const end = s.indexOf(0);
  return s.subarray(0, end < 0 ? len : end).toString('utf8');
};

/** A header's size field: octal text, or base-256 when its first byte has the high bit (sizes over 8 GiB). */
function sizeField(b: Buffer): number {
  const f = b.subarray(124, 136);
  if (f[0]! & 0x80) {
    let n = f[0]! & 0x7f;
    for (let i = 1; i < f.length; i++) n = n * 256 + f[i]!;
    return n;
  }
  const s = text(f, 0, 12).trim();
  return s ? Number.parseInt(s, 8) : 0;
}

/** The records of a pax header ("LEN key=value\n"…). */
function paxRecords(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number(body.subarray(at, space).toString('ascii'));
    if (!Number.isFinite(len) || len <= 0) break;
    const record = body.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    at += len;
  }
  return out;
}

export async function indexTar(file: string): Promise<TarMember[]> {
  const fh = await open(file, 'r');
  try {
    const { size: total } = await fh.stat();
    const members: TarMember[] = [];
    const header = Buffer.alloc(BLOCK);
    let at = 0;
    let longName: string | undefined;
    let pax = new Map<string, string>();
    const body = async (offset: number, size: number) => {
      const b = Buffer.alloc(size);
      await fh.read(b, 0, size, offset);
      return b;
    };
    while (at + BLOCK <= total) {
      await fh.read(header, 0, BLOCK, at);
      if (header.every((x) => x === 0)) break; // the end: two zero blocks
      const magic = text(header, 257, 6);
      if (!magic.startsWith('ustar'))
        throw new KfcError(`${file}: no tar header at byte ${at} (magic ${JSON.stringify(magic)})`, {
          hint: 'the archive is cut short or not a tar file: save the image again',
        });
      const type = String.fromCharCode(header[156] || 0x30);
      const size = pax.has('size') ? Number(pax.get('size')) : sizeField(header);
      const offset = at + BLOCK;
      if (offset + size > total)
        throw new KfcError(`${file}: a member at byte ${at} runs past the end of the file`, {
          hint: 'the archive is cut short: save the image again',
        });
      if (type === 'L') longName = text(await body(offset, size), 0, size);
      else if (type === 'x') pax = paxRecords(await body(offset, size));
      else if (type !== 'g') {
        const prefix = text(header, 345, 155);
        const name = pax.get('path') ?? longName ?? (prefix ? `${prefix}/` : '') + text(header, 0, 100);
        members.push({ name, offset, size, type });
        longName = undefined;
        pax = new Map();
      }
      at = offset + padded(size);
    }
    return members;
  } finally {
    await fh.close();
  }
}
