/** Byte chunks as streams yield them, and the few things the archive readers do with them. */
import tar from 'tar-stream';

export type Chunks = AsyncIterable<unknown>;

export const asBuffer = (c: unknown): Buffer =>
  Buffer.isBuffer(c) ? c : typeof c === 'string' ? Buffer.from(c) : Buffer.from(c as Uint8Array);

/** tar-stream's extractor; its typings miss allowUnknownFormat. */
export const newExtract = (): tar.Extract =>
  tar.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);

export async function* prepend(first: Buffer, rest: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  yield first;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield asBuffer(r.value);
  }
}

/** Feeds chunks to a writable tar extractor, honouring back-pressure. */
export async function feed(chunks: Chunks, extract: tar.Extract, onChunk: (c: Buffer) => void): Promise<void> {
  try {
    for await (const raw of chunks) {
      const c = asBuffer(raw);
      onChunk(c);
      if (!extract.write(c))
        await new Promise<void>((res, rej) => {
          const done = () => {
            extract.off('error', fail);
            res();
          };
          const fail = (e: Error) => {
            extract.off('drain', done);
            rej(e);
          };
          extract.once('drain', done);
          extract.once('error', fail);
        });
    }
    (extract as unknown as { end(): void }).end();
  } catch (e) {
    extract.destroy(e as Error);
    throw e;
  }
}

const JSON_LIMIT = 64 * 1024 * 1024;

export async function readAll(chunks: Chunks, limit = JSON_LIMIT): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of chunks) {
    n += (c as Uint8Array).length;
    if (n > limit) throw new Error(`archive member larger than ${limit} bytes where JSON was expected`);
    parts.push(asBuffer(c));
  }
  return Buffer.concat(parts);
}
