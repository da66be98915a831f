/**
 * Results kept by content, as `go test` keeps its cache: one JSON file per key under
 * <kfc cache dir>/<kind>/, written atomically. Only passing results are stored (callers decide).
 * A corrupt or unreadable entry is a miss with one warning; an unwritable directory is one warning
 * and the run carries on without a cache. Off with KFC_TEST_CACHE=off (or `enabled: false`).
 */

import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { kfcCacheDir } from './dir.ts';

export interface StoredResult<T> {
  key: string;
  storedAt: string;
  /** What the key was made of, for people reading the entry. */
  parts: Record<string, string>;
  value: T;
}

export interface ResultStoreOptions {
  /** Default: KFC_TEST_CACHE is not "off". */
  enabled?: boolean;
  dir?: string;
  warn?: (line: string) => void;
}

const isOff = (v: string | undefined) => ['off', '0', 'false', 'no'].includes((v ?? '').toLowerCase());

/** KFC_TEST_CACHE=off (or 0, false, no): every result cache is off. */
export const cacheOffByEnv = (env: NodeJS.ProcessEnv = process.env): boolean => isOff(env.KFC_TEST_CACHE);

export class ResultStore {
  readonly dir: string;
  private enabled: boolean;
  private readonly warn: (line: string) => void;

  constructor(
    readonly kind: string,
    opts: ResultStoreOptions = {},
  ) {
    this.dir = join(opts.dir ?? kfcCacheDir(), kind);
    this.enabled = opts.enabled ?? !cacheOffByEnv();
    this.warn = opts.warn ?? ((line) => process.stderr.write(`${line}\n`));
    if (this.enabled) this.enabled = this.usable();
  }

  get on(): boolean {
    return this.enabled;
  }

  private usable(): boolean {
    try {
      mkdirSync(this.dir, { recursive: true });
      accessSync(this.dir, constants.W_OK | constants.R_OK);
      return true;
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? String(err);
      this.warn(
        `kfc: warning: result cache ${this.dir} is not writable (${why}): running without it` +
          ' (fix: KFC_CACHE_DIR=<a writable directory>)',
      );
      return false;
    }
  }

  private file(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  /**
   * The stored result for `key`, or undefined (a miss; a corrupt entry warns once and is a miss).
   * `valid` checks the value's shape: an entry that fails it is corrupt too.
   */
  get<T>(key: string, valid?: (value: unknown) => boolean): StoredResult<T> | undefined {
    if (!this.enabled) return undefined;
    let text: string;
    try {
      text = readFileSync(this.file(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.warn(`kfc: warning: result cache entry ${this.file(key)} is unreadable: treated as a miss`);
      return undefined;
    }
    try {
      const entry = JSON.parse(text) as StoredResult<T>;
      if (entry?.key !== key || entry.value === undefined) throw new Error('not an entry for this key');
      if (valid && !valid(entry.value)) throw new Error('not the shape of this kind of entry');
      return entry;
    } catch {
      this.warn(`kfc: warning: result cache entry ${this.file(key)} is corrupt: treated as a miss`);
      return undefined;
    }
  }

  /** Stores `value` under `key` atomically; a write that fails warns and turns the store off. */
  put<T>(key: string, parts: Record<string, string>, value: T): void {
    if (!this.enabled) return;
    const entry: StoredResult<T> = { key, storedAt: new Date().toISOString(), parts, value };
    try {
      writeFileAtomic.sync(this.file(key), `${JSON.stringify(entry, null, 2)}\n`);
    } catch (err) {
      this.warn(
        `kfc: warning: result cache ${this.dir}: could not store ${key.slice(0, 12)} ` +
          `(${(err as NodeJS.ErrnoException).code ?? String(err)}): running without it`,
      );
      this.enabled = false;
    }
  }
}
