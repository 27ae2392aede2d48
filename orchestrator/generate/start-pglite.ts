import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

/**
 * Starts an embedded PostgreSQL (PGlite). A fresh start runs initdb in WebAssembly, 4 to 20 s
 * on 2 cores; starting from a dump of that fresh data directory takes 1 to 4 s. So the first
 * start saves the dump in the user's cache folder ($XDG_CACHE_HOME or ~/.cache), keyed by
 * PGlite's version, and later runs load it. The cache is best effort: a missing, unwritable or
 * broken one only costs the slow start.
 */
export async function startPglite(): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  const cacheFile = dataDirCacheFile();
  if (existsSync(cacheFile)) {
    try {
      const pglite = new PGlite({ loadDataDir: new Blob([readFileSync(cacheFile)]) });
      await pglite.waitReady;
      return pglite;
    } catch {
      rmSync(cacheFile, { force: true });
    }
  }
  const pglite = new PGlite();
  await pglite.waitReady;
  await saveDataDir(pglite, cacheFile).catch(() => {});
  return pglite;
}

/** Written beside, then renamed: a concurrent run never reads half a file. */
async function saveDataDir(pglite: PGlite, cacheFile: string): Promise<void> {
  const dump = Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer());
  mkdirSync(path.dirname(cacheFile), { recursive: true });
  const partial = `${cacheFile}.${process.pid}.partial`;
  writeFileSync(partial, dump);
  renameSync(partial, cacheFile);
}

function dataDirCacheFile(): string {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(cacheHome, 'prisma-plugin-orchestrator', `pglite-${pgliteVersion()}-datadir.tar.gz`);
}

/** The package does not export its package.json, so it is found from the entry point. */
function pgliteVersion(): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}
