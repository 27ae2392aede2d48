import { OrchestratorError } from '../errors.ts';
import { dependentsOf } from '../plugins/dependency-order.ts';
import type { Plugin } from '../plugins/plugin.ts';
import type { DatamodelEnum } from '../schema/prisma-schema-wasm.ts';
import type { PluginModels } from '../schema/read-plugin-models.ts';

/**
 * Refuses an enum change that other plugins' columns cannot follow. When an enum loses a value
 * (or its type is renamed with @@map), PostgreSQL needs every column of that type converted
 * before the old type is dropped. The owner's migration can convert only the owner's columns; the
 * dependents' columns keep the old type and the owner's `DROP TYPE` fails at deploy. The same
 * models must behave the same on SQLite (where enums are TEXT and nothing would fail, but the
 * dependents' rows holding the value would no longer read as the enum), so this is refused on
 * both providers.
 */
export function checkEnumChanges(plugin: Plugin, previous: DatamodelEnum[], current: PluginModels, ordered: Plugin[], all: Map<string, PluginModels>): void {
  const dependents = dependentsOf(ordered, plugin);
  const problems: string[] = [];
  for (const before of previous) {
    const after = current.enums.find((e) => e.name === before.name);
    if (!after) continue;
    const users = dependents.flatMap((dependent) =>
      (all.get(dependent.name)?.models ?? []).flatMap((model) =>
        model.fields.filter((field) => field.kind === 'enum' && field.type === before.name).map((field) => `plugin "${dependent.name}" ${model.name}.${field.name}`),
      ),
    );
    if (users.length === 0) continue;
    const label = (value: DatamodelEnum['values'][number]) => value.dbName ?? value.name;
    const kept = new Set(after.values.map(label));
    const removed = before.values.filter((value) => !kept.has(label(value)));
    for (const value of removed) problems.push(`enum ${before.name} loses the value ${value.name}${label(value) !== value.name ? ` (stored as "${label(value)}")` : ''}, which columns of other plugins use: ${users.join(', ')}`);
    const oldType = before.dbName ?? before.name;
    const newType = after.dbName ?? after.name;
    if (oldType !== newType) problems.push(`enum ${before.name} changes its database type from "${oldType}" to "${newType}", which columns of other plugins use: ${users.join(', ')}`);
  }
  if (problems.length === 0) return;
  throw new OrchestratorError('ENUM_VALUE_IN_USE', `Plugin "${plugin.name}": ${problems.join('; ')}. Its migration could convert only its own columns, and dropping the old type would fail while other plugins' columns still use it.`, {
    fix: `Keep the value (and type name) in plugin "${plugin.name}" for now. To remove it: first move those fields off the value in the plugins named (another enum, or a String), generate and deploy them, then remove the value from "${plugin.name}".`,
  });
}
