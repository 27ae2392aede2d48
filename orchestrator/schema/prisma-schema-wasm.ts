import { createRequire } from 'node:module';

/**
 * Prisma's own schema parser and validator (`@prisma/prisma-schema-wasm`, the code behind
 * `prisma format` and `prisma validate`), wrapped in typed functions. Every reading of a plugin's
 * models goes through here, so the orchestrator understands a schema exactly as Prisma does.
 */

export interface SchemaSource {
  /** Project-relative path: Prisma's messages name it (`--> plugins/one/models.prisma:5`). */
  path: string;
  content: string;
}

/** A problem Prisma found, located by string offsets into its file. */
export interface SchemaDiagnostic {
  path: string;
  start: number;
  end: number;
  text: string;
  isWarning: boolean;
}

export interface DatamodelField {
  name: string;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  isUnique: boolean;
  isId: boolean;
  type: string;
  /** `@map("…")` of the field: the column name. */
  dbName?: string | null;
  relationName?: string;
  relationFromFields?: string[];
  relationToFields?: string[];
  nativeType?: [string, string[]] | null;
}

export interface DatamodelModel {
  name: string;
  /** `@@map("…")`, or null when the table is named like the model. */
  dbName: string | null;
  fields: DatamodelField[];
  primaryKey: { name: string | null; fields: string[] } | null;
  uniqueFields: string[][];
  uniqueIndexes: { name: string | null; fields: string[] }[];
}

export interface DatamodelEnum {
  name: string;
  dbName: string | null;
  values: { name: string; dbName: string | null }[];
}

export interface DatamodelIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  isDefinedOnField: boolean;
  /** Only when the schema names it (`map: "…"`). */
  dbName?: string;
  fields: { name: string }[];
}

export interface Datamodel {
  models: DatamodelModel[];
  enums: DatamodelEnum[];
  indexes: DatamodelIndex[];
}

/** An insertion Prisma's quick fix proposes: `newText` goes before line `line` (0-based) of `path`. */
export interface ProposedInsertion {
  path: string;
  line: number;
  newText: string;
}

interface PrismaSchemaWasm {
  lint(input: string): string;
  validate(params: string): void;
  get_datamodel(params: string): string;
  get_config(params: string): string;
  code_actions(schema: string, params: string): string;
  references(schema: string, params: string): string;
}

let loaded: PrismaSchemaWasm | undefined;

function wasm(): PrismaSchemaWasm {
  if (!loaded) {
    // A Rust panic reports its message through this registry; without it the panic has nowhere to go.
    const globals = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
    globals.PRISMA_WASM_PANIC_REGISTRY ??= { set_message() {} };
    loaded = createRequire(import.meta.url)('@prisma/prisma-schema-wasm') as PrismaSchemaWasm;
  }
  return loaded;
}

/** The LSP-style functions want URIs; the rest take plain names. */
const URI_PREFIX = 'file:///';

/** Every error and warning Prisma reports for the schema; an empty list means it is valid. */
export function lintSchema(files: SchemaSource[]): SchemaDiagnostic[] {
  const raw = JSON.parse(wasm().lint(JSON.stringify(files.map((file) => [file.path, file.content])))) as {
    file_name: string;
    start: number;
    end: number;
    text: string;
    is_warning: boolean;
  }[];
  return raw.map((d) => ({ path: d.file_name, start: d.start, end: d.end, text: d.text, isWarning: d.is_warning }));
}

/**
 * The parsed models, enums and indexes of a valid schema. An invalid one throws a
 * SchemaInvalidError whose message is Prisma's own, with `--> file:line` for each problem.
 */
export function readDatamodel(files: SchemaSource[]): Datamodel {
  const params = JSON.stringify({ prismaSchema: files.map((file) => [file.path, file.content]) });
  try {
    return JSON.parse(wasm().get_datamodel(params)) as Datamodel;
  } catch (error) {
    throw new SchemaInvalidError(prismaErrorMessage(error));
  }
}

export class SchemaInvalidError extends Error {}

/** The datasource and generator blocks declared in the files, with the file of each. */
export function schemaConfigBlocks(files: SchemaSource[]): { kind: 'datasource' | 'generator'; name: string; path: string }[] {
  const params = JSON.stringify({ prismaSchema: files.map((file) => [file.path, file.content]), datasourceOverrides: {}, ignoreEnvVarErrors: true, env: {} });
  try {
    const { config } = JSON.parse(wasm().get_config(params)) as {
      config: { datasources: { name: string; sourceFilePath: string }[]; generators: { name: string; sourceFilePath: string }[] };
    };
    return [
      ...config.datasources.map((block) => ({ kind: 'datasource' as const, name: block.name, path: block.sourceFilePath })),
      ...config.generators.map((block) => ({ kind: 'generator' as const, name: block.name, path: block.sourceFilePath })),
    ];
  } catch {
    // A broken block is reported by validation, with its line.
    return [];
  }
}

/**
 * Prisma's quick fix for a "missing an opposite relation field" diagnostic: the back-relation
 * field it would add (with the relation's name, when the relation has one), and where.
 */
export function proposeOppositeField(files: SchemaSource[], diagnostic: SchemaDiagnostic): ProposedInsertion[] {
  const file = files.find((candidate) => candidate.path === diagnostic.path);
  if (!file) return [];
  const range = { start: position(file.content, diagnostic.start), end: position(file.content, diagnostic.end) };
  const params = {
    textDocument: { uri: URI_PREFIX + file.path },
    range,
    context: { diagnostics: [{ range, message: diagnostic.text, severity: 1 }] },
  };
  const actions = JSON.parse(wasm().code_actions(JSON.stringify(files.map((f) => [URI_PREFIX + f.path, f.content])), JSON.stringify(params))) as {
    title: string;
    edit?: { changes?: Record<string, { range: { start: { line: number; character: number } }; newText: string }[]> };
  }[];
  const action = actions.find((candidate) => candidate.title.startsWith('Add missing relation field'));
  return Object.entries(action?.edit?.changes ?? {}).flatMap(([uri, edits]) =>
    edits.map((edit) => ({ path: uri.slice(URI_PREFIX.length), line: edit.range.start.line, newText: edit.newText })),
  );
}

/**
 * Where a model or enum named `name` is declared (1-based line), found with Prisma's own
 * "find references" on a one-line probe that mentions the name. Undefined when no file declares it.
 */
export function findDeclaration(files: SchemaSource[], name: string, keywords: readonly string[] = ['model', 'enum', 'view', 'type']): { path: string; line: number } | undefined {
  const probe = { path: 'orchestrator-probe.prisma', content: `model OrchestratorProbe {\n  probe ${name}\n}\n` };
  const all = [...files, probe];
  const params = { textDocument: { uri: URI_PREFIX + probe.path }, position: { line: 1, character: 8 }, context: { includeDeclaration: true } };
  let locations: { uri: string; range: { start: { line: number; character: number } } }[];
  try {
    locations = JSON.parse(wasm().references(JSON.stringify(all.map((f) => [URI_PREFIX + f.path, f.content])), JSON.stringify(params))) ?? [];
  } catch {
    return undefined;
  }
  for (const location of locations) {
    const file = files.find((candidate) => URI_PREFIX + candidate.path === location.uri);
    if (!file) continue;
    const lineText = file.content.split('\n')[location.range.start.line] ?? '';
    // A declaration is the name right after its block keyword; any other hit is a use.
    const before = lineText.slice(0, location.range.start.character).trim();
    if (keywords.includes(before)) return { path: file.path, line: location.range.start.line + 1 };
  }
  return undefined;
}

/** 1-based line of a string offset. */
export function lineOf(content: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < content.length; i++) if (content[i] === '\n') line++;
  return line;
}

function position(content: string, offset: number): { line: number; character: number } {
  const before = content.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: lineOf(content, offset) - 1, character: offset - lineStart };
}

/** Prisma throws `{"error_code":"P1012","message":"…"}` as a string; its message has colours for terminals. */
function prismaErrorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  let message = text;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    // Not JSON: keep the text as it is.
  }
  // eslint-disable-next-line no-control-regex
  return message.replace(/\u001b\[[0-9;]*m/g, '').trim();
}

/** How many of Prisma's errors, and how much of each line, a message repeats. */
const SHOWN_ERRORS = 8;
const SHOWN_LINE = 240;

/**
 * Prisma's validation message in short: each error's own line and its `--> file:line`, without
 * the quoted source (which, for a file of binary junk or a name thousands of characters long,
 * would fill the terminal), and at most a few errors.
 */
export function summarizePrismaErrors(message: string): string {
  const kept: string[] = [];
  let errors = 0;
  for (const line of message.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('error:')) errors++;
    else if (!trimmed.startsWith('-->')) continue;
    if (errors > SHOWN_ERRORS) continue;
    kept.push(line.length > SHOWN_LINE ? `${line.slice(0, SHOWN_LINE)}…` : line);
  }
  if (kept.length === 0) return message.length > SHOWN_LINE * 4 ? `${message.slice(0, SHOWN_LINE * 4)}…` : message;
  if (errors > SHOWN_ERRORS) kept.push(`… and ${errors - SHOWN_ERRORS} more error(s).`);
  return kept.join('\n');
}
