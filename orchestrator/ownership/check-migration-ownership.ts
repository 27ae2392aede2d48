import path from 'node:path';
import { OrchestratorError } from '../errors.ts';
import type { MigrationOnDisk } from '../migrations/migrations-folder.ts';
import type { Plugin } from '../plugins/plugin.ts';
import type { MigrationPlan } from '../sql/migration-plan.ts';
import type { TableOwnership } from './table-ownership.ts';

export interface OwnershipViolation {
  plugin: string;
  migration: string;
  file: string;
  table: string;
  kind: 'table' | 'enum';
  owner: string;
  use: 'write' | 'reference';
}

/**
 * Finds statements in a plugin's pending migrations that touch another plugin's table: any
 * write (create, alter, drop, index, insert, update, delete), and a foreign key to a plugin it
 * does not depend on. Reads the objects each statement touches from the migration's plan (parsed
 * once for the whole deploy). Tables no plugin owns (the application's own, or made by hand) are
 * not this check's business.
 */
export function findOwnershipViolations(
  plugin: Plugin,
  dependencies: ReadonlySet<string>,
  migrations: { migration: MigrationOnDisk; plan: MigrationPlan }[],
  ownership: TableOwnership,
): OwnershipViolation[] {
  const violations: OwnershipViolation[] = [];
  for (const { migration, plan } of migrations) {
    for (const statement of plan.statements) {
      for (const { name: table, use, kind } of statement.touches) {
        if (use === 'read' || (kind !== 'table' && kind !== 'enum')) continue;
        const owner = (kind === 'enum' ? ownership.enums : ownership.tables).get(table);
        if (owner === undefined || owner === plugin.name) continue;
        if (use === 'reference' && dependencies.has(owner)) continue;
        violations.push({ plugin: plugin.name, migration: migration.name, file: migration.sqlPath, table, kind, owner, use });
      }
    }
  }
  return violations;
}

export function ownershipError(violations: OwnershipViolation[]): OrchestratorError {
  const lines = violations.map(
    (v) => `  - plugin "${v.plugin}", migration ${v.migration}: ${v.use === 'write' ? 'changes' : 'references'} ${v.kind} "${v.table}", owned by plugin "${v.owner}" (${path.relative(process.cwd(), v.file)})`,
  );
  return new OrchestratorError('OWNERSHIP_VIOLATION', `Refusing to deploy: migrations touch tables owned by other plugins:\n${lines.join('\n')}\nNothing was applied.`, {
    fix: 'Change another plugin\'s tables only through that plugin\'s own migrations. To reference a table with a foreign key, list its plugin in "dependsOn".',
  });
}
