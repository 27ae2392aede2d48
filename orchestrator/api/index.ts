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
import { baselineProject } from '../baseline/baseline-project.ts';
import { previewPluginSql } from '../deploy/preview-plugin-sql.ts';
import { driftProject } from '../drift/drift-project.ts';
import { checkProject } from '../generate/check-project.ts';
import { renameProject } from '../lifecycle/rename-project.ts';
import { squashProject } from '../lifecycle/squash-project.ts';
import { uninstallProject } from '../lifecycle/uninstall-project.ts';
import { resolveProject } from '../resolve/resolve-project.ts';
import { rolesProject } from '../roles/roles-project.ts';
import { rollbackProject } from '../rollback/rollback-project.ts';
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

/**
 * The CI gate for models changed without a migration: generate's planning with nothing written;
 * needs no database. `clean` is false when generate would write a migration, and `changes` holds
 * the SQL it would write, per plugin.
 *
 * @example
 * const { clean, changes } = await check({ projectDir: '.' });
 * if (!clean) throw new Error(`run generate for ${changes.map((change) => change.plugin).join(', ')}`);
 */
export const check = apiCommand(checkProject);

/**
 * Compares each plugin's own tables and enums in the database with what its applied migrations
 * leave; opens the database read-only. A plugin is `none`, `drift` (with the SQL that would
 * restore it) or `unknown` (with the reason); `clean` only when all are `none`.
 *
 * @example
 * const report = await drift({ databaseUrl: process.env.DATABASE_URL });
 * for (const plugin of report.plugins) if (plugin.drift !== 'none') console.log(plugin.plugin, plugin.sql || plugin.reason);
 */
export const drift = apiCommand(driftProject);

/**
 * Adopts a database that already holds a plugin's tables: verifies they match its migrations (as
 * drift compares), then records those as applied without running them. Throws
 * BASELINE_MISMATCH, writing nothing, when they differ.
 *
 * @example
 * const { recorded } = await baseline({ databaseUrl: 'postgresql://app@db/app', plugin: 'one' });
 */
export const baseline = apiCommand(baselineProject);

/**
 * Undoes a plugin's newest applied migration (or `steps` of them, or every one after `to`) with
 * their down.sql, newest first. It loses data: throws CONFIRMATION_REQUIRED, changing nothing,
 * unless `yes: true` or a `confirm` function that resolves. Refuses (database unchanged) what it
 * cannot undo safely: no down.sql, another plugin's objects, a table other tables reference.
 *
 * @example
 * const { rolledBack } = await rollback({ databaseUrl: 'file:./data/app.db', plugin: 'reviews', steps: 2, yes: true });
 */
export const rollback = apiCommand(rollbackProject);

/**
 * Settles a failed or half-applied migration, keeping the failed attempt in the history (as
 * `prisma migrate resolve`): `applied` (finished by hand; deploy skips it) or `rolled-back`
 * (undone by hand; deploy runs it again).
 *
 * @example
 * await resolve({ plugin: 'two', migration: '20261124153350_backfill', resolution: 'rolled-back' });
 */
export const resolve = apiCommand(resolveProject);

/**
 * Drops everything a plugin owns in the database (tables, enums, join tables, its history table)
 * in one transaction; on PostgreSQL its role too, if roles are managed. It loses data: needs
 * `yes: true` (or a `confirm` function), else throws CONFIRMATION_REQUIRED and drops nothing.
 * Refused (PLUGIN_IN_USE) while an installed plugin depends on it.
 *
 * @example
 * const { uninstalled, role } = await uninstall({ databaseUrl: process.env.DATABASE_URL, plugin: 'reviews', yes: true });
 * console.log(`dropped ${uninstalled.tables.map((table) => table.name).join(', ')}; role ${role?.outcome ?? 'none (SQLite)'}`);
 */
export const uninstall = apiCommand(uninstallProject);

/**
 * Renames a plugin: its folder, the manifests that name it and its history table, so it is not
 * installed again from scratch. On PostgreSQL, where the old name has a role, the plugin's objects
 * go to the new name's role and the old role is dropped.
 *
 * @example
 * const { history, role } = await rename({ databaseUrl: process.env.DATABASE_URL, from: 'reviews', to: 'ratings' });
 */
export const rename = apiCommand(renameProject);

/**
 * Replaces a plugin's migrations with one that creates the schema they leave behind (needs no
 * database); databases that applied them all record it at the next deploy without running it.
 *
 * @example
 * const { name, replaced } = await squash({ plugin: 'one', name: 'baseline' });
 */
export const squash = apiCommand(squashProject);

/**
 * PostgreSQL only (SQLite: ROLES_UNSUPPORTED): one NOLOGIN role per plugin that owns its tables,
 * enums and sequences, with SELECT and REFERENCES (or `referencesOnly`) on its dependencies'
 * tables and nothing else. Idempotent: `changes` is empty when the roles were up to date.
 *
 * @example
 * const { changes } = await roles({ databaseUrl: 'postgresql://postgres@db/app', rolePrefix: 'app_' });
 */
export const roles = apiCommand(rolesProject);

/**
 * The SQL deploy would run for one plugin, with its transaction boundaries: a named `migration`
 * read from disk (no database), else the plugin's pending migrations on the database.
 *
 * @example
 * const preview = await sql({ plugin: 'two', migration: '20261124153350_init' });
 */
export const sql = apiCommand(previewPluginSql);

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
export type { BaselineOptions, BaselineReport } from '../baseline/baseline-project.ts';
export type { CheckReport } from '../generate/check-project.ts';
export type { UngeneratedChange } from '../generate/find-ungenerated-changes.ts';
export type { DriftReport } from '../drift/drift-project.ts';
export type { PluginDrift } from '../drift/detect-drift.ts';
export type { RollbackOptions, RollbackReport } from '../rollback/rollback-project.ts';
export type { ResolveOptions, ResolveReport } from '../resolve/resolve-project.ts';
export type { UninstallOptions, UninstallReport } from '../lifecycle/uninstall-project.ts';
export type { UninstallPlan } from '../lifecycle/plan-uninstall.ts';
export type { RenameOptions, RenameReport } from '../lifecycle/rename-project.ts';
export type { SquashOptions, SquashReport } from '../lifecycle/squash-project.ts';
export type { RolesOptions, RolesReport } from '../roles/roles-project.ts';
export type { PluginRole } from '../roles/plan-plugin-roles.ts';
export type { RenamedRole } from '../roles/rename-plugin-role.ts';
export type { RetiredRole } from '../roles/retire-plugin-role.ts';
export type { RoleChange } from '../database/plugin-role-store.ts';
export type { PluginSqlOptions } from '../deploy/preview-plugin-sql.ts';
export type { DeployPreview } from '../deploy/preview-deploy.ts';
export { OrchestratorError, RETRYABLE_CODES, type ErrorCode } from '../errors.ts';
