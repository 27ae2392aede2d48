import { OrchestratorError } from '../errors.ts';
import { transitiveDependencies } from '../plugins/dependency-order.ts';
import type { Plugin } from '../plugins/plugin.ts';
import type { PluginModels } from '../schema/read-plugin-models.ts';

/**
 * A model may relate only to models of its own plugin or of plugins it depends on: those are
 * the only ones its isolated schema contains, and the only tables guaranteed to exist first.
 */
export function checkRelationTargets(ordered: Plugin[], allModels: PluginModels[]): void {
  const ownerOfModel = new Map<string, PluginModels>();
  for (const models of allModels) {
    for (const file of models.files) for (const block of file.blocks) if (block.kind === 'model') ownerOfModel.set(block.name, models);
  }
  for (const models of allModels) {
    const reachable = new Set(transitiveDependencies(ordered, models.plugin).map((plugin) => plugin.name));
    for (const file of models.files) {
      for (const block of file.blocks.filter((b) => b.kind === 'model')) {
        for (const field of block.fields) {
          const target = ownerOfModel.get(field.type);
          if (!target || target === models || reachable.has(target.plugin.name)) continue;
          throw new OrchestratorError('PLUGIN_MODELS_INVALID', `Plugin "${models.plugin.name}": ${file.path}, field ${block.name}.${field.name} relates to model ${field.type} of plugin "${target.plugin.name}", which "${models.plugin.name}" does not depend on.`, {
            fix: `Add "${target.plugin.name}" to "dependsOn" in ${models.plugin.dir}/plugin.json.`,
          });
        }
      }
    }
  }
}
