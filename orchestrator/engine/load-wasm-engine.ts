import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

export type WasmSchemaEngine = SchemaEngine;
type SchemaEngineClass = typeof SchemaEngine;

let loaded: Promise<SchemaEngineClass> | undefined;
let compiled: Promise<WebAssembly.Module> | undefined;

/**
 * Loads Prisma's schema engine compiled to WebAssembly, once per process.
 *
 * The package's main entry imports the `.wasm` file as an ES module, which Node 20 cannot do,
 * so the module is instantiated by hand against the package's JS glue (see
 * shared/notes/prisma-engine-facts.md). The panic registry must exist before the first call,
 * or a Rust panic in the engine has nowhere to put its message.
 */
export function loadWasmSchemaEngine(): Promise<SchemaEngineClass> {
  loaded ??= instantiate();
  return loaded;
}

/**
 * The engine's compiled module, once per process. A module posted to a worker thread shares its
 * compiled code, so the workers of generate (see pooled-diff-engine.ts) neither recompile it nor
 * warm it up again.
 */
export function compileWasmSchemaEngine(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    return WebAssembly.compile(readFileSync(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm')));
  })();
  return compiled;
}

/** In a worker thread: instantiate the module the main thread compiled, rather than compile it again. */
export function useCompiledWasmSchemaEngine(module: WebAssembly.Module): void {
  compiled ??= Promise.resolve(module);
}

/** The last panic message the engine reported, so a crash can be explained to the user. */
export let lastEnginePanic: string | undefined;

async function instantiate(): Promise<SchemaEngineClass> {
  const globals = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
  globals.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message(message: string) {
      lastEnginePanic = message;
    },
  };
  const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as unknown as {
    __wbg_set_wasm(exports: WebAssembly.Exports): void;
    SchemaEngine: SchemaEngineClass;
  };
  const module = await compileWasmSchemaEngine();
  const instance = await WebAssembly.instantiate(module, { './schema_engine_bg.js': glue as unknown as WebAssembly.ModuleImports });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  return glue.SchemaEngine;
}
