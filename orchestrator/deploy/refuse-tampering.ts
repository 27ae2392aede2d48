import { displayPath } from '../files/project-files.ts';
import { OrchestratorError, type ErrorCode } from '../errors.ts';
import { historyTableName } from '../plugins/plugin.ts';
import type { PluginState, ProjectState } from '../status/read-plugin-states.ts';
import { migrationKey, type DeployOverrides } from './deploy-overrides.ts';

interface Finding {
  /** `<plugin>/<migration>`, or the plugin's name for PLUGIN_REMOVED: what the override names. */
  key: string;
  line: string;
}

interface Check {
  code: ErrorCode;
  flag: string;
  accepted: (overrides: DeployOverrides) => string[];
  find: (project: ProjectState) => Finding[];
  headline: (count: number) => string;
  fix: string;
}

const migrationLine = (state: PluginState, name: string, detail = '') => {
  const file = state.migrations.find((m) => m.name === name)?.sqlPath;
  return `plugin "${state.plugin.name}", migration ${name}${detail}${file ? ` (${displayPath(file)})` : ''}`;
};

const perMigration = (state: PluginState, names: string[], detail?: (name: string) => string): Finding[] =>
  names.map((name) => ({ key: migrationKey(state.plugin.name, name), line: migrationLine(state, name, detail?.(name)) }));

/**
 * The history checks, in the order deploy reports them. Each finds one kind of disagreement
 * between the migrations folders and the history tables that deploy must not paper over.
 */
const CHECKS: Check[] = [
  {
    code: 'PLUGIN_REMOVED',
    flag: '--accept-removed-plugin',
    accepted: (o) => o.acceptRemovedPlugin,
    find: (project) => project.removedPlugins.map((plugin) => ({ key: plugin, line: `plugin "${plugin}": history table "${historyTableName(plugin)}", but no plugins/${plugin} folder` })),
    headline: (n) => `the database holds the history of ${n === 1 ? 'a plugin that is' : 'plugins that are'} no longer in the code (removed, or its folder renamed)`,
    fix: 'If the folder was renamed, run "rename <old> <new>" (it moves the history table; a plugin\'s name is its history table\'s name). If the plugin was removed on purpose, run "uninstall <old>" (it drops the history table; restore the folder first to drop the plugin\'s tables too). To deploy the other plugins meanwhile, pass',
  },
  {
    code: 'MIGRATION_MISSING',
    flag: '--accept-missing',
    accepted: (o) => o.acceptMissing,
    find: (project) => project.states.flatMap((state) => perMigration(state, state.status.missing)),
    headline: (n) => `${n === 1 ? 'an applied migration is' : 'applied migrations are'} missing from disk, so the code no longer describes the database`,
    fix: 'Restore the folder(s) from version control. If the deletion is intended (its changes stay in the database), pass',
  },
  {
    code: 'MIGRATION_RENAMED',
    flag: '--accept-renamed',
    accepted: (o) => o.acceptRenamed,
    find: (project) =>
      project.states.flatMap((state) => state.status.renamed.map((r) => ({ key: migrationKey(state.plugin.name, r.to), line: migrationLine(state, r.to, `, applied as ${r.from} (same content)`) }))),
    headline: (n) => `${n === 1 ? 'an applied migration was' : 'applied migrations were'} renamed; running ${n === 1 ? 'it' : 'them'} again would repeat ${n === 1 ? 'its' : 'their'} changes`,
    fix: 'Rename the folder(s) back. To keep the new name, pass (the history row takes the new name; nothing runs again)',
  },
  {
    code: 'MIGRATION_MODIFIED',
    flag: '--accept-modified',
    accepted: (o) => o.acceptModified,
    find: (project) => project.states.flatMap((state) => perMigration(state, state.status.modified)),
    headline: (n) => `${n === 1 ? 'an applied migration was' : 'applied migrations were'} edited after being applied, so the database no longer matches the files`,
    fix: 'Restore the applied file(s) from version control, and put the change in a new migration (edit the models and run generate). If the edit changes nothing in the database (a comment, say), pass (the history takes the new checksum; nothing runs again)',
  },
  {
    code: 'MIGRATION_OUT_OF_ORDER',
    flag: '--accept-out-of-order',
    accepted: (o) => o.acceptOutOfOrder,
    find: (project) =>
      project.states.flatMap((state) => perMigration(state, state.status.outOfOrder, () => `, which sorts before the newest applied ${state.status.applied.at(-1) ?? 'migration'}`)),
    headline: (n) => `${n === 1 ? 'a new migration sorts' : 'new migrations sort'} before migrations already applied (added on a branch, or merged late)`,
    fix: 'Regenerate it so it comes last (move the folder away, then run generate). If its place in the order does not matter, pass',
  },
];

/**
 * Refuses a deploy whose history disagrees with the code, before any SQL runs, unless each
 * finding is accepted by its override. Throws the first kind found, listing every case of it.
 */
export function refuseTampering(project: ProjectState, overrides: DeployOverrides): void {
  for (const check of CHECKS) {
    const accepted = new Set(check.accepted(overrides));
    const refused = check.find(project).filter((finding) => !accepted.has(finding.key));
    if (refused.length === 0) continue;
    throw new OrchestratorError(check.code, `Refusing to deploy: ${check.headline(refused.length)}:\n${refused.map((f) => `  - ${f.line}`).join('\n')}\nNothing was applied.`, {
      fix: `${check.fix} ${refused.map((f) => `${check.flag} ${f.key}`).join(' ')} to deploy.`,
    });
  }
}

/**
 * A squashed migration replaces migrations of which the database applied only some: running it
 * would repeat what they did, and recording it would skip what they did not. The old migrations
 * must be deployed first, from the code before the squash. No override: neither way is right.
 */
export function refusePartlySquashed(project: ProjectState): void {
  const partial = project.states.flatMap((state) => state.status.partlySquashed.map((squash) => ({ state, squash })));
  if (partial.length === 0) return;
  const lines = partial.map(({ state, squash }) => `  - ${migrationLine(state, squash.name)} replaces ${squash.applied.length + squash.notApplied.length} migrations; applied: ${squash.applied.join(', ')}; not applied: ${squash.notApplied.join(', ')}`);
  throw new OrchestratorError('SQUASH_PARTIALLY_APPLIED', `Refusing to deploy: a squashed migration replaces migrations this database applied only some of:\n${lines.join('\n')}\nNothing was applied.`, {
    fix: 'Deploy the replaced migrations first: check out the code from before the squash (git checkout <commit before the squash> -- plugins/<plugin>/migrations), run deploy, then return to the current code and deploy again; the squashed migration is then recorded without running.',
  });
}
