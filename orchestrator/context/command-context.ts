import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadProject, type Project } from '../config/load-project.ts';
import type { Provider } from '../config/provider.ts';
import { confirmDataLoss, type ConfirmOptions } from '../ui/confirm.ts';
import type { ProgressListener } from './progress-event.ts';

/** The gate a command calls before it loses data; resolves when confirmed, throws CONFIRMATION_REQUIRED when not. */
export type ConfirmDataLoss = (request: Pick<ConfirmOptions, 'summary' | 'yes' | 'flag'> & {
  /** The API option that confirms it (default `yes`), named in the refusal when code calls the command. */
  option?: string;
}) => Promise<void>;

/** From code nobody is asked: a command that loses data needs the option `yes: true`. */
const refuseUnlessYes: ConfirmDataLoss = (request) => confirmDataLoss({ summary: request.summary, yes: request.yes, flag: `the option ${request.option ?? 'yes'}: true`, input: new PassThrough() });

/**
 * What every command is called with, from the CLI or the API. Each field defaults as the CLI
 * does: the environment (DATABASE_URL, ORCHESTRATOR_PROVIDER, SHADOW_DATABASE_URL,
 * ORCHESTRATOR_PROJECT), then `orchestrator.config.json`, then the built-in default.
 */
export interface ProjectOptions {
  /** The project root holding plugins/, prisma-templates/ and orchestrator.config.json. Default: ORCHESTRATOR_PROJECT, else the working directory. */
  projectDir?: string;
  /** The database deploy and status use. Default: DATABASE_URL, else `file:./data/app.db` in the project. */
  databaseUrl?: string;
  /** The provider migrations are generated for. Default: ORCHESTRATOR_PROVIDER, else the config file, else sqlite. */
  provider?: Provider;
  /** PostgreSQL scratch database for generate's replay of migrations without a snapshot. Default: SHADOW_DATABASE_URL, else an embedded PGlite. */
  shadowDatabaseUrl?: string;
  /** The plugins to act on (default: all). */
  plugins?: string[];
  /** Called as each plugin's task starts, reports and ends (see ProgressEvent). */
  onProgress?: ProgressListener;
  /** The environment the defaults are read from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Asked before a command loses data (rollback, uninstall, a generate that drops columns).
   * Default: nobody is asked, and such a command refuses (CONFIRMATION_REQUIRED) unless its
   * options say `yes: true`. The CLI asks on a terminal.
   */
  confirm?: ConfirmDataLoss;
}

/** A command's inputs, resolved: the core functions take this and return a typed result. */
export interface CommandContext {
  project: Project;
  /** Plugins named by the caller; empty means all. */
  pluginNames: string[];
  progress: ProgressListener;
  env: NodeJS.ProcessEnv;
  /** Call before losing data, with what is lost and the command's `yes` option. */
  confirm: ConfirmDataLoss;
}

/** Resolves options the way the CLI does: explicit options, then the environment, then the config file, then defaults. */
export function resolveContext(options: ProjectOptions = {}): CommandContext {
  const env = options.env ?? process.env;
  const root = path.resolve(options.projectDir ?? (env.ORCHESTRATOR_PROJECT || process.cwd()));
  const overrides: NodeJS.ProcessEnv = {
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.provider ? { ORCHESTRATOR_PROVIDER: options.provider } : {}),
    ...(options.shadowDatabaseUrl ? { SHADOW_DATABASE_URL: options.shadowDatabaseUrl } : {}),
  };
  return {
    project: loadProject(root, { ...env, ...overrides }),
    pluginNames: options.plugins ?? [],
    progress: options.onProgress ?? (() => {}),
    env,
    confirm: options.confirm ?? refuseUnlessYes,
  };
}

/** A command's core: typed options in, a typed result out; no printing, no exit codes. */
export type CommandCore<Options, Result> = (context: CommandContext, options: Options) => Promise<Result>;

/**
 * Turns a command's core into its public API function, which takes the project options and the
 * command's own options in one object. Adding a command to the API is one line:
 * `export const check = apiCommand(checkProject);`.
 */
export function apiCommand<Options extends object, Result>(core: CommandCore<Options, Result>): (options?: ProjectOptions & Options) => Promise<Result> {
  return (options = {} as ProjectOptions & Options) => core(resolveContext(options), options);
}
