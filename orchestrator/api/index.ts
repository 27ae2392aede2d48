/**
 * The orchestrator as a library: the same commands as the CLI, returning typed results instead
 * of printing or exiting. Importing this module runs nothing.
 *
 * Every function takes one options object: where the project is and which database (each
 * defaulting as the CLI does, from the environment and orchestrator.config.json), which plugins,
 * an `onProgress` listener, and the command's own options. Errors are OrchestratorError, with the
 * stable `code` the CLI prints.
 *
 * @example
 * import { deploy, status, OrchestratorError } from 'prisma-plugin-orchestrator';
 *
 * const result = await deploy({ projectDir: '/srv/app', databaseUrl: process.env.DATABASE_URL });
 * if (result.error) throw result.error;
 * console.log(`${result.applied} migration(s) applied`);
 */
// Adding a command: its core, `(context: CommandContext, options) => Promise<Result>`, lives in
// its concern's folder (no printing, no exit codes; progress through context.progress, data loss
// through context.confirm); commands/<name>.ts calls it with the CLI's context and renders the
// result; here it is one line, `export const check = apiCommand(checkProject);`, with a doc
// comment and an example, plus its result types below.
import { apiCommand } from '../context/command-context.ts';
import { deployProject } from '../deploy/deploy-project.ts';
import { generateProject } from '../generate/generate-project.ts';
import { graphProject } from '../graph/plugin-graph.ts';
import { statusProject } from '../status/status-project.ts';
import { deployTargets as deployTargetsCore, type DeployTargetsOptions } from '../targets/deploy-targets.ts';
import { statusTargets as statusTargetsCore, type StatusTargetsOptions } from '../targets/status-targets.ts';
import { NO_OVERRIDES, type DeployOverrides } from '../deploy/deploy-overrides.ts';

/**
 * Writes one migration per plugin whose models changed since its latest migration; needs no
 * database. Every plugin is diffed before any file is written: a thrown error leaves every
 * migrations folder as it was.
 *
 * @example
 * const { written } = await generate({ projectDir: '.', plugins: ['reviews'], name: 'add reviews' });
 * // written: ['plugins/reviews/migrations/20261124154121_add_reviews']
 */
export const generate = apiCommand(generateProject);

/**
 * Applies pending migrations, plugin by plugin in dependency order (the selected plugins and the
 * plugins they depend on). Throws an OrchestratorError when it refuses before any SQL runs (the
 * database is left unchanged); once applying began it resolves, with each migration's outcome
 * (`applied`, `failed` with its error, `skipped`) and `error` set if one failed.
 *
 * @example
 * const result = await deploy({ databaseUrl: 'postgresql://app@db:5432/app', lockTimeout: 60, onProgress: console.log });
 * if (result.error) throw result.error;
 */
export const deploy = apiCommand(deployProject);

/**
 * Compares each plugin's migrations folder with its history table; writes nothing.
 *
 * @example
 * const report = await status({ databaseUrl: 'file:./data/app.db' });
 * for (const plugin of report.plugins) console.log(plugin.plugin, plugin.pending);
 * if (!report.upToDate) process.exitCode = 2;
 */
export const status = apiCommand(statusProject);

/**
 * The plugins, their dependencies and the tables each owns, as data and as Mermaid (default) or
 * DOT text; needs no database.
 *
 * @example
 * const { text } = await graph({ format: 'dot' });
 * writeFileSync('plugins.dot', text);
 */
export const graph = apiCommand(graphProject);

/**
 * Deploys the same plugins to many databases or tenant schemas (`?schema=`), `concurrency` at a
 * time, each under its own lock; never throws for one target's failure (see docs/tenants.md).
 *
 * @example
 * const report = await deployTargets({ targets: ['postgresql://app@db/app?schema=tenant_a', 'postgresql://app@db/app?schema=tenant_b'], concurrency: 8 });
 * if (report.verdict !== 'ok') process.exitCode = 1;
 */
export const deployTargets = apiCommand((context, options: Omit<DeployTargetsOptions, 'plugins' | keyof DeployOverrides> & Partial<DeployOverrides>) =>
  deployTargetsCore(context.project, { ...NO_OVERRIDES, ...options, plugins: context.pluginNames }),
);

/**
 * Reads the status of many databases or tenant schemas, writing nothing; a target that cannot be read is reported, the others still are.
 *
 * @example
 * const { summary } = await statusTargets({ targets: ['file:./tenants/a.db', 'file:./tenants/b.db'] });
 */
export const statusTargets = apiCommand((context, options: Omit<StatusTargetsOptions, 'plugins'>) => statusTargetsCore(context.project, { ...options, plugins: context.pluginNames }));

export { apiCommand, resolveContext, type CommandContext, type CommandCore, type ConfirmDataLoss, type ProjectOptions } from '../context/command-context.ts';
export type { ProgressEvent, ProgressListener } from '../context/progress-event.ts';
export type { DeployOptions, DeployReport, MigrationOutcome, PluginDeployReport } from '../deploy/deploy-project.ts';
export type { GenerateOptions, GenerateReport, PluginGenerateReport } from '../generate/generate-project.ts';
export type { GraphOptions, PluginGraph, PluginNode } from '../graph/plugin-graph.ts';
export { GRAPH_FORMATS, type GraphFormat } from '../graph/graph-format.ts';
export type { StatusReport } from '../status/status-project.ts';
export type { DeployTargetsOptions, TargetDeployResult, TargetsDeployReport } from '../targets/deploy-targets.ts';
export type { StatusTargetsOptions, TargetStatusResult, TargetsStatusReport } from '../targets/status-targets.ts';
export type { PluginStatus } from '../status/plugin-status.ts';
export type { Provider } from '../config/provider.ts';
export type { DiffEngineKind } from '../engine/diff-engine.ts';
export { OrchestratorError, RETRYABLE_CODES, type ErrorCode } from '../errors.ts';
