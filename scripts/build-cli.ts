/**
 * `npm run build [-- --outdir <dir>]`: the orchestrator CLI and its API as plain JavaScript, in
 * dist/orchestrator/ (index.mjs: the CLI; api.mjs: the package's import entry, which runs nothing).
 * The API's type declarations are tsc's (`npm run build:types`, run by `npm pack` too); the Docker
 * image, which installs no dev dependencies, needs only this.
 *
 * Every container start runs deploy, and tsx's start-up (its loader thread, then compiling each
 * file) costs about 200 ms before any work begins; `node dist/orchestrator/index.mjs` skips it.
 * Sources stay the truth: this is esbuild over them, run at image build time (see Dockerfile).
 *
 * Code splitting keeps the CLI's lazy imports lazy: deploy never loads the diff engines, the Prisma
 * CLI runner or the other database's driver. Packages stay in node_modules (not bundled), so
 * better-sqlite3's native addon and the wasm engine load as they do from source.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUTDIR = path.join(REPO_ROOT, 'dist/orchestrator');

/** Builds into `outdir`, replacing what was there; returns the CLI's entry file. */
export async function buildCli(outdir: string = DEFAULT_OUTDIR): Promise<string> {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: {
      index: path.join(REPO_ROOT, 'orchestrator/index.ts'),
      api: path.join(REPO_ROOT, 'orchestrator/api/index.ts'),
      // The Prisma CLI spawns it by path: resolve-schema-engine looks beside its own (bundled) file.
      'schema-engine-launcher': path.join(REPO_ROOT, 'orchestrator/engine/schema-engine-launcher.mjs'),
      // generate's worker threads start from it, found beside the bundle's chunks like the launcher above.
      'diff-worker-launcher': path.join(REPO_ROOT, 'orchestrator/engine/diff-worker-launcher.mjs'),
    },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    // Read by the launchers: what they load is bundled in, so they need not register tsx.
    define: { ORCHESTRATOR_BUILT: 'true' },
    logLevel: 'warning',
  });
  return path.join(outdir, 'index.mjs');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
  const entry = await buildCli(values.outdir ? path.resolve(values.outdir) : DEFAULT_OUTDIR);
  console.log(`Built ${path.relative(process.cwd(), entry)}: run it as node ${path.relative(process.cwd(), entry)} <command>`);
}
