import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DiffTarget } from '@prisma/schema-engine-wasm';
import type { Provider } from '../config/provider.ts';
import { OrchestratorError, errorMessage } from '../errors.ts';
import type { SchemaFile } from '../schema/compose-schema.ts';
import { summarizePrismaErrors } from '../schema/prisma-schema-wasm.ts';
import type { DiffEngine, PluginDiffRequest, ScratchDatabaseSource } from './diff-engine.ts';
import { lastEnginePanic, loadWasmSchemaEngine, type WasmSchemaEngine } from './load-wasm-engine.ts';
import { offlineAdapterFactory } from './offline-adapter.ts';

/**
 * Diffs in this process with the WebAssembly build of Prisma's schema engine: the same Rust code
 * as `prisma migrate diff --from-schema … --to-schema …`, without a child process per plugin.
 * One engine instance per provider serves every plugin of a run.
 */
export class InProcessDiffEngine implements DiffEngine {
  private readonly engines = new Map<Provider, Promise<WasmSchemaEngine>>();
  readonly readsScratchDatabases = true;
  readonly parallelism = 1;

  async diff(request: PluginDiffRequest): Promise<string> {
    const { from } = request;
    if (from && !Array.isArray(from)) return this.diffFromDatabase(request, from.database);
    return this.run(request, await this.engineFor(request.provider), from ? datamodel(from) : { tag: 'empty' }, 'public');
  }

  /**
   * From a live scratch database: an engine of its own, bound to that database's adapter (the
   * shared one is offline), reads the schema the replayed migrations left behind.
   */
  private async diffFromDatabase(request: PluginDiffRequest, database: ScratchDatabaseSource): Promise<string> {
    let engine: WasmSchemaEngine;
    try {
      const SchemaEngine = await loadWasmSchemaEngine();
      engine = await SchemaEngine.new({ datamodels: undefined }, () => {}, bindMigrationAwareSqlAdapterFactory(database.adapter));
    } catch (error) {
      throw engineError(request.plugin, error);
    }
    try {
      // The engine only reads the datasource block of these files (the provider).
      const from: DiffTarget = { tag: 'schemaDatasource', files: datamodel(request.to).files, configDir: process.cwd() };
      return await this.run(request, engine, from, database.namespace ?? 'public');
    } finally {
      engine.free();
    }
  }

  private async run(request: PluginDiffRequest, engine: WasmSchemaEngine, from: DiffTarget, namespace: string): Promise<string> {
    const qualify = (name: string) => (request.provider === 'postgresql' ? `${namespace}.${name}` : name);
    try {
      const result = await engine.diff({
        from,
        to: datamodel(request.to),
        script: true,
        exitCode: true,
        filters: {
          externalTables: request.externalTables.map(qualify),
          externalEnums: request.externalEnums.map(qualify),
        },
      });
      // With exitCode set, the engine answers 2 when the schemas differ and 0 when they do not.
      return result.exitCode === 2 ? (result.stdout ?? '') : '';
    } catch (error) {
      throw engineError(request.plugin, error);
    }
  }

  async close(): Promise<void> {
    for (const engine of this.engines.values()) (await engine).free();
    this.engines.clear();
  }

  private engineFor(provider: Provider): Promise<WasmSchemaEngine> {
    let engine = this.engines.get(provider);
    if (!engine) {
      engine = loadWasmSchemaEngine().then((SchemaEngine) =>
        SchemaEngine.new({ datamodels: undefined }, () => {}, bindMigrationAwareSqlAdapterFactory(offlineAdapterFactory(provider))),
      );
      this.engines.set(provider, engine);
    }
    return engine;
  }
}

function datamodel(files: SchemaFile[]): DiffTarget & { tag: 'schemaDatamodel' } {
  return { tag: 'schemaDatamodel', files: files.map((file) => ({ path: file.path, content: file.content })) };
}

/** P1012 is Prisma's "schema validation failed"; its message already names file and line. */
function engineError(plugin: string, error: unknown): OrchestratorError {
  const code = (error as { code?: unknown }).code;
  if (code === 'P1012') {
    return new OrchestratorError('SCHEMA_INVALID', `Plugin "${plugin}": its Prisma schema is invalid.\n${summarizePrismaErrors(errorMessage(error).trim())}`, {
      fix: `Correct the model file named above (the line is after "-->"), then run generate again.`,
      cause: error,
    });
  }
  const panic = lastEnginePanic ? ` (engine panic: ${lastEnginePanic})` : '';
  return engineFailed(plugin, `${errorMessage(error).trim()}${panic}`, error);
}

export function engineFailed(plugin: string, why: string, cause: unknown): OrchestratorError {
  return new OrchestratorError('ENGINE_FAILED', `Plugin "${plugin}": the schema engine failed: ${why}`, {
    fix: 'Run again with --verbose for details; if it persists, report it with the plugin\'s models.',
    cause,
  });
}
