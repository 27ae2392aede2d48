import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';
import { OrchestratorError } from '../errors.ts';
import { ENGINE_ENV, resolveSchemaEngine, type SchemaEngineChoice } from './resolve-schema-engine.ts';

export interface PrismaCliRun {
  /** The plugin the command works for: every error names it. */
  plugin: string;
  cwd: string;
  /** Exit codes that are answers, not failures: `migrate diff --exit-code` says 2 for "there are changes". */
  okExitCodes?: number[];
  timeoutMs?: number;
}

export interface PrismaCliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A CLI call normally takes 1–3 s; a hung engine must not hang generate forever. */
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Runs the project's own Prisma CLI (`prisma <args>`) as a child process with the schema engine
 * chosen by resolveSchemaEngine, and turns a failure into an OrchestratorError that names the
 * plugin and quotes the CLI's own message.
 */
export async function runPrismaCli(args: string[], run: PrismaCliRun): Promise<PrismaCliResult> {
  const command = `prisma ${args.filter((arg) => !arg.startsWith('-')).slice(0, 2).join(' ')}`;
  let cli: PrismaCliLocation;
  let engine: SchemaEngineChoice;
  try {
    cli = locatePrismaCli();
    engine = resolveSchemaEngine(process.env, cli.dir);
  } catch (error) {
    if (!(error instanceof OrchestratorError)) throw error;
    throw new OrchestratorError(error.code, `Plugin "${run.plugin}": cannot run \`${command}\`. ${error.message}`, { fix: error.fix, cause: error.cause });
  }
  const result = await execa(process.execPath, [cli.entry, ...args], {
    cwd: run.cwd,
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
    timeout: run.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    env: {
      // No update check or telemetry: generate must not depend on the network.
      CHECKPOINT_DISABLE: '1',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      // The wasm launcher starts with `#!/usr/bin/env node`: find the node running us.
      PATH: [path.dirname(process.execPath), process.env.PATH].filter(Boolean).join(path.delimiter),
      ...(engine.kind === 'native' ? {} : { [ENGINE_ENV]: engine.path }),
    },
  });
  const exitCode = result.exitCode ?? -1;
  if (!result.timedOut && !result.failed) return { exitCode, stdout: result.stdout, stderr: result.stderr };
  if (!result.timedOut && (run.okExitCodes ?? []).includes(exitCode)) return { exitCode, stdout: result.stdout, stderr: result.stderr };
  throw cliFailure(run.plugin, command, result.timedOut ? `no answer within ${(run.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s` : `exit code ${exitCode}`, cliMessage(result.stderr, result.stdout, result.message ?? String(result)), engine.kind);
}

export interface PrismaCliLocation {
  /** The `prisma` package folder. */
  dir: string;
  /** Its bin script, run with this process's node. */
  entry: string;
}

let located: PrismaCliLocation | undefined;

/** The `prisma` package installed beside the orchestrator (a production dependency). */
export function locatePrismaCli(from: string = import.meta.url): PrismaCliLocation {
  if (located && from === import.meta.url) return located;
  let packageJson: string;
  try {
    packageJson = createRequire(from).resolve('prisma/package.json');
  } catch (error) {
    throw new OrchestratorError('PRISMA_CLI_MISSING', 'The Prisma CLI (the "prisma" package) is not installed, and --engine cli and client generation run it.', {
      fix: 'Run "npm install" (prisma is one of the orchestrator\'s dependencies), or "npm install prisma@7.10.0"; generate without --engine cli needs no CLI.',
      cause: error,
    });
  }
  const dir = path.dirname(packageJson);
  const bin = (JSON.parse(readFileSync(packageJson, 'utf8')) as { bin?: string | Record<string, string> }).bin;
  const entry = path.join(dir, typeof bin === 'string' ? bin : (bin?.prisma ?? 'build/index.js'));
  const location = { dir, entry };
  if (from === import.meta.url) located = location;
  return location;
}

/** The CLI's own explanation: its error text, without colours and progress chatter. */
function cliMessage(stderr: string, stdout: string, fallback: string): string {
  const chatter = /^(Loaded Prisma config from|Prisma schema loaded from|Environment variables loaded from|prisma:warn)/;
  const lines = stripVTControlCharacters(`${stderr}\n${stdout}`)
    .split('\n')
    .filter((line) => !chatter.test(line.trim()));
  const text = lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  return text === '' ? fallback : text;
}

function cliFailure(plugin: string, command: string, how: string, message: string, engine: string): OrchestratorError {
  const quoted = message.split('\n').map((line) => `  ${line}`).join('\n');
  const text = `Plugin "${plugin}": \`${command}\` failed (${how}):\n${quoted}`;
  if (/binaries\.prisma\.sh|ENOTFOUND|Could not find schema-engine binary/.test(message)) {
    return new OrchestratorError('ENGINE_MISSING', text, {
      fix: `The Prisma CLI could not get a schema engine. Unset ${ENGINE_ENV} (the orchestrator then supplies its WebAssembly engine), or point it at a native schema-engine executable.`,
    });
  }
  if (/\bP1012\b/.test(message)) {
    return new OrchestratorError('SCHEMA_INVALID', text, {
      fix: 'Correct the model file named above (the line is after "-->"), then run the command again.',
    });
  }
  return new OrchestratorError('PRISMA_CLI_FAILED', text, {
    fix: engine === 'wasm'
      ? 'Read the CLI\'s message above. To see the engine\'s side, run again with DEBUG="prisma*"; to rule out the WebAssembly engine, set PRISMA_SCHEMA_ENGINE_BINARY to a native one.'
      : 'Read the CLI\'s message above; run again with DEBUG="prisma*" for the engine\'s side.',
  });
}
