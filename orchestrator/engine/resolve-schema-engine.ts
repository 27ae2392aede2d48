import { accessSync, chmodSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrchestratorError } from '../errors.ts';

/** The env var the Prisma CLI reads for the schema engine executable (the old name is still honoured). */
export const ENGINE_ENV = 'PRISMA_SCHEMA_ENGINE_BINARY';
const LEGACY_ENGINE_ENV = 'PRISMA_MIGRATION_ENGINE_BINARY';

/** The stdio JSON-RPC server over the WebAssembly engine, as an executable the CLI can spawn. */
export const WASM_ENGINE_LAUNCHER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'schema-engine-launcher.mjs');

export type SchemaEngineChoice =
  /** The user's own PRISMA_SCHEMA_ENGINE_BINARY: used as is. */
  | { kind: 'env'; path: string }
  /** A native engine the CLI will find by itself (downloaded at install time). */
  | { kind: 'native'; path: string }
  /** Neither: the WebAssembly engine behind the launcher. */
  | { kind: 'wasm'; path: string };

/**
 * Which schema engine the Prisma CLI should run. A native engine that is present is used as is,
 * since it is what the CLI would pick by itself; only when there is none (the CLI would try to
 * download one, which fails offline) is PRISMA_SCHEMA_ENGINE_BINARY pointed at the wasm launcher.
 */
export function resolveSchemaEngine(env: NodeJS.ProcessEnv, cliDir: string, cwd: string = process.cwd()): SchemaEngineChoice {
  const fromEnv = env[ENGINE_ENV] || env[LEGACY_ENGINE_ENV];
  if (fromEnv) {
    const name = env[ENGINE_ENV] ? ENGINE_ENV : LEGACY_ENGINE_ENV;
    // Absolute, because the orchestrator runs the CLI in a temporary folder.
    const resolved = path.resolve(cwd, fromEnv);
    if (!isExecutableFile(resolved)) {
      throw new OrchestratorError('ENGINE_MISSING', `${name} is set to "${fromEnv}", but ${resolved} is not an executable file.`, {
        fix: `Point ${name} at a schema-engine executable, or unset it to use the WebAssembly engine that ships with the orchestrator.`,
      });
    }
    return { kind: 'env', path: resolved };
  }
  const native = findNativeEngine(cliDir);
  if (native) return { kind: 'native', path: native };
  return { kind: 'wasm', path: ensureLauncherExecutable() };
}

/**
 * The folders the Prisma CLI searches for `schema-engine-<platform>`, in its order, given the
 * folder of the `prisma` package: @prisma/engines (where its postinstall downloads to), the
 * package itself, the node_modules holding it, and its runtime/ folder.
 */
function nativeEngineDirs(cliDir: string): string[] {
  let enginesDir: string | undefined;
  try {
    enginesDir = path.dirname(createRequire(path.join(cliDir, 'package.json')).resolve('@prisma/engines/package.json'));
  } catch {
    // Without @prisma/engines the CLI still searches its own folders.
  }
  return [...(enginesDir ? [enginesDir] : []), cliDir, path.dirname(cliDir), path.join(cliDir, 'runtime')];
}

function findNativeEngine(cliDir: string): string | undefined {
  for (const dir of nativeEngineDirs(cliDir)) {
    if (!existsSync(dir)) continue;
    const engine = readdirSync(dir)
      .filter((name) => /^schema-engine-[\w.-]+$/.test(name) && !/\.(sha256|gz|tmp)$/.test(name))
      .map((name) => path.join(dir, name))
      .find(isExecutableFile);
    if (engine) return engine;
  }
  return undefined;
}

/** Archives and some copies drop the executable bit; restore it rather than fail. */
function ensureLauncherExecutable(): string {
  if (!existsSync(WASM_ENGINE_LAUNCHER)) {
    throw new OrchestratorError('ENGINE_MISSING', `The WebAssembly schema engine launcher ${WASM_ENGINE_LAUNCHER} is missing.`, {
      fix: 'Restore orchestrator/engine/ from version control (or reinstall the orchestrator), or set PRISMA_SCHEMA_ENGINE_BINARY to a native schema engine.',
    });
  }
  if (!isExecutableFile(WASM_ENGINE_LAUNCHER)) {
    try {
      chmodSync(WASM_ENGINE_LAUNCHER, 0o755);
    } catch (error) {
      throw new OrchestratorError('ENGINE_MISSING', `${WASM_ENGINE_LAUNCHER} is not executable and could not be made so.`, {
        fix: `Run: chmod +x ${WASM_ENGINE_LAUNCHER}`,
        cause: error,
      });
    }
  }
  return WASM_ENGINE_LAUNCHER;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
