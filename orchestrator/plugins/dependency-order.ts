import { OrchestratorError } from '../errors.ts';
import { MANIFEST_FILE, type Plugin } from './plugin.ts';

/**
 * Orders plugins so every plugin comes after the plugins it depends on; among plugins that do
 * not depend on each other, by name, so every run (and every machine) uses the same order.
 * A missing dependency or a cycle is an error naming the plugins involved.
 */
export function orderByDependencies(plugins: Plugin[]): Plugin[] {
  const byName = new Map(plugins.map((plugin) => [plugin.name, plugin]));
  for (const plugin of plugins) {
    for (const dependency of plugin.dependsOn) {
      if (!byName.has(dependency)) {
        throw new OrchestratorError('PLUGIN_MANIFEST_INVALID', `Plugin "${plugin.name}" depends on "${dependency}", which is not a plugin (${plugin.dir}/${MANIFEST_FILE}).`, {
          fix: `Add the plugin "${dependency}" under plugins/, or remove it from "dependsOn". Known plugins: ${[...byName.keys()].join(', ')}.`,
        });
      }
    }
  }
  const cycle = findCycle(plugins, byName);
  if (cycle) {
    throw new OrchestratorError('PLUGIN_MANIFEST_INVALID', `Plugins depend on each other in a cycle: ${cycle.join(' → ')}. Migrations need an order in which every plugin comes after its dependencies.`, {
      fix: `Remove one of these "dependsOn" entries; usually the shared tables belong in the plugin the others build on.`,
    });
  }
  // Kahn's algorithm, always taking the alphabetically first plugin that is ready.
  const remaining = new Map(plugins.map((plugin) => [plugin.name, new Set(plugin.dependsOn)]));
  const ordered: Plugin[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, deps]) => deps.size === 0).map(([name]) => name).sort()[0]!;
    ordered.push(byName.get(ready)!);
    remaining.delete(ready);
    for (const deps of remaining.values()) deps.delete(ready);
  }
  return ordered;
}

/** The plugin's dependencies, direct and indirect, in dependency order (the plugin itself excluded). */
export function transitiveDependencies(ordered: Plugin[], plugin: Plugin): Plugin[] {
  const byName = new Map(ordered.map((p) => [p.name, p]));
  const needed = new Set<string>();
  const visit = (name: string) => {
    for (const dependency of byName.get(name)?.dependsOn ?? []) {
      if (!needed.has(dependency)) {
        needed.add(dependency);
        visit(dependency);
      }
    }
  };
  visit(plugin.name);
  return ordered.filter((p) => needed.has(p.name));
}

function findCycle(plugins: Plugin[], byName: Map<string, Plugin>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const onPath = path.indexOf(name);
    if (onPath !== -1) return [...path.slice(onPath), name];
    if (done.has(name)) return undefined;
    path.push(name);
    for (const dependency of [...byName.get(name)!.dependsOn].sort()) {
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(name);
    return undefined;
  };
  for (const plugin of [...plugins].sort((a, b) => a.name.localeCompare(b.name))) {
    const cycle = visit(plugin.name);
    if (cycle) return cycle;
  }
  return undefined;
}
