import { OrchestratorError, quoteForMessage } from '../errors.ts';
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
        throw new OrchestratorError('PLUGIN_MANIFEST_INVALID', `Plugin "${plugin.name}" depends on ${quoteForMessage(dependency)}, which is not a plugin (${plugin.dir}/${MANIFEST_FILE}).`, {
          fix: `Add the plugin ${quoteForMessage(dependency)} under plugins/, or remove it from "dependsOn". Known plugins: ${[...byName.keys()].join(', ')}.`,
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
  // Kahn's algorithm, always taking the alphabetically first plugin that is ready: a heap of
  // ready names and the reverse edges keep it O(n log n + edges) for thousands of plugins.
  const waitingOn = new Map(plugins.map((plugin) => [plugin.name, new Set(plugin.dependsOn).size]));
  const dependents = new Map<string, string[]>(plugins.map((plugin) => [plugin.name, []]));
  for (const plugin of plugins) for (const dependency of new Set(plugin.dependsOn)) dependents.get(dependency)!.push(plugin.name);
  const ready = new NameHeap([...waitingOn].filter(([, count]) => count === 0).map(([name]) => name));
  const ordered: Plugin[] = [];
  for (let name = ready.pop(); name !== undefined; name = ready.pop()) {
    ordered.push(byName.get(name)!);
    for (const dependent of dependents.get(name)!) {
      const left = waitingOn.get(dependent)! - 1;
      waitingOn.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  return ordered;
}

/**
 * Each plugin's dependencies, direct and indirect, for every plugin at once (one pass in
 * dependency order), so checks over all plugins do not redo the walk per plugin.
 */
export function dependencyClosures(ordered: Plugin[]): Map<string, ReadonlySet<string>> {
  const closures = new Map<string, Set<string>>();
  for (const plugin of ordered) {
    const closure = new Set<string>();
    for (const dependency of plugin.dependsOn) {
      closure.add(dependency);
      for (const indirect of closures.get(dependency) ?? []) closure.add(indirect);
    }
    closures.set(plugin.name, closure);
  }
  return closures;
}

/** A binary min-heap of names (string order), for Kahn's algorithm above. */
class NameHeap {
  private readonly items: string[] = [];

  constructor(names: string[]) {
    for (const name of names) this.push(name);
  }

  push(name: string): void {
    const items = this.items;
    items.push(name);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= items[i]!) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  pop(): string | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const smallest = [left, left + 1].filter((c) => c < items.length).reduce((best, c) => (items[c]! < items[best]! ? c : best), i);
        if (smallest === i) break;
        [items[smallest], items[i]] = [items[i]!, items[smallest]!];
        i = smallest;
      }
    }
    return top;
  }
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
  const onPath = new Set<string>();
  const visit = (name: string): string[] | undefined => {
    if (onPath.has(name)) return [...path.slice(path.indexOf(name)), name];
    if (done.has(name)) return undefined;
    path.push(name);
    onPath.add(name);
    for (const dependency of [...byName.get(name)!.dependsOn].sort()) {
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(name);
    done.add(name);
    return undefined;
  };
  for (const plugin of [...plugins].sort((a, b) => a.name.localeCompare(b.name))) {
    const cycle = visit(plugin.name);
    if (cycle) return cycle;
  }
  return undefined;
}
