import { OrchestratorError, quoteForMessage } from '../errors.ts';

/** What a plugin's role gets on the tables of the plugins it depends on. */
export type DependencyAccess = 'select' | 'references';
export const DEPENDENCY_ACCESS: readonly DependencyAccess[] = ['select', 'references'];

export interface RoleOptions {
  /** Role names are `<prefix><plugin>`. */
  prefix: string;
  /** `select`: SELECT and REFERENCES (a dependent may read and point foreign keys at them); `references`: REFERENCES only. */
  dependencyAccess: DependencyAccess;
}

export const DEFAULT_ROLE_PREFIX = 'plugin_';

/** PostgreSQL cuts longer names to 63 bytes, so two plugins could end up with one role. */
const MAX_ROLE_NAME_BYTES = 63;

/** The role of one plugin; a name PostgreSQL would shorten, or one reserved for its own roles, is refused. */
export function pluginRoleName(options: RoleOptions, plugin: string): string {
  const role = `${options.prefix}${plugin}`;
  if (Buffer.byteLength(role) > MAX_ROLE_NAME_BYTES) {
    throw new OrchestratorError('CONFIG_INVALID', `The role of plugin "${plugin}" would be ${quoteForMessage(role)}, longer than PostgreSQL's ${MAX_ROLE_NAME_BYTES} bytes; PostgreSQL would shorten it, and two plugins could share a role.`, {
      fix: 'Use a shorter role prefix (--role-prefix or ORCHESTRATOR_ROLE_PREFIX).',
    });
  }
  if (role.startsWith('pg_')) {
    throw new OrchestratorError('CONFIG_INVALID', `The role of plugin "${plugin}" would be ${quoteForMessage(role)}: names starting with pg_ are reserved for PostgreSQL's own roles.`, {
      fix: `Use another role prefix (--role-prefix or ORCHESTRATOR_ROLE_PREFIX; default ${DEFAULT_ROLE_PREFIX}).`,
    });
  }
  return role;
}

/** --role-prefix, else ORCHESTRATOR_ROLE_PREFIX, else plugin_; --references-only picks REFERENCES alone. */
export function roleOptions(flags: { rolePrefix?: string; referencesOnly?: boolean }, env: NodeJS.ProcessEnv = process.env): RoleOptions {
  const prefix = flags.rolePrefix ?? (env.ORCHESTRATOR_ROLE_PREFIX || DEFAULT_ROLE_PREFIX);
  if (prefix === '') {
    throw new OrchestratorError('CONFIG_INVALID', 'The role prefix is empty: plugin roles would be named like the plugins themselves, and could collide with the application\'s own roles.', {
      fix: `Give a prefix (--role-prefix or ORCHESTRATOR_ROLE_PREFIX; default ${DEFAULT_ROLE_PREFIX}).`,
    });
  }
  return { prefix, dependencyAccess: flags.referencesOnly ? 'references' : 'select' };
}
