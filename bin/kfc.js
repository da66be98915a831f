#!/usr/bin/env node
import { createHash } from 'node:crypto';
// kfc runs from its TypeScript sources. They are bundled with esbuild, with the packages they import
// (one file per chunk instead of hundreds to resolve: a third less start-up CPU per call), into a
// cache keyed by the sources' and the lockfile's paths, sizes and mtimes (rebuilt in ~1.5 s after an
// edit), with code splitting so a verb loads only the modules it needs.
// If esbuild is unavailable, tsx's loader runs the sources directly (slower start).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/** How the bundle is made: part of its key, so a change here makes a new one. */
const BUILD_OPTIONS = {
  entryPoints: { main: join(src, 'cli', 'main.ts') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // esbuild finds its own binary from its package folder: it stays a package.
  external: ['esbuild'],
  // The CommonJS packages among them call require() for Node's built-in modules, and
  // write-file-atomic hashes __filename into its temporary names.
  banner: {
    js: [
      "import { createRequire as kfcCreateRequire } from 'node:module';",
      "import { fileURLToPath as kfcFileURLToPath } from 'node:url';",
      'const require = kfcCreateRequire(import.meta.url);',
      'const __filename = kfcFileURLToPath(import.meta.url);',
    ].join(' '),
  },
  logLevel: 'error',
};

function sourceKey() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        const st = statSync(p);
        hash.update(`${p}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(src);
  // The bundle holds the packages too: a changed lockfile (npm ci) makes a new one.
  const lock = join(root, 'package-lock.json');
  if (existsSync(lock)) {
    const st = statSync(lock);
    hash.update(`${lock}\0${st.size}\0${st.mtimeMs}\n`);
  }
  hash.update(JSON.stringify(BUILD_OPTIONS));
  return hash.digest('hex').slice(0, 16);
}

async function bundled() {
  if (process.env.KFC_NO_BUNDLE) return undefined;
  const cacheRoot = join(root, 'node_modules', '.cache', 'kfc');
  const dir = join(cacheRoot, sourceKey());
  const entry = join(dir, 'main.js');
  if (!existsSync(entry)) {
    let esbuild;
    try {
      esbuild = await import('esbuild');
    } catch {
      return undefined;
    }
    const tmp = `${dir}.tmp-${process.pid}`;
    await esbuild.build({ ...BUILD_OPTIONS, outdir: tmp });
    // Bundles a day old go (a running kfc may still load chunks from a recent one); the new
    // one appears atomically (another kfc may be doing the same).
    mkdirSync(cacheRoot, { recursive: true });
    for (const old of readdirSync(cacheRoot)) {
      const p = join(cacheRoot, old);
      if (Date.now() - statSync(p).mtimeMs > 86_400_000) rmSync(p, { recursive: true, force: true });
    }
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return import(pathToFileURL(entry).href);
}

// A reader that stops early (kfc list | head) ends kfc quietly, as other command-line tools do.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });

let mod = await bundled();
if (!mod) {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import('../src/cli/main.ts');
}
process.exitCode = await mod.main(process.argv);
