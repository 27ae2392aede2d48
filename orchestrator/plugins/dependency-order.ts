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
export function dependencyClosures(ordered: readonly Plugin[]): Map<string, ReadonlySet<string>> {
  return closuresOf(ordered);
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
export function transitiveDependencies(ordered: readonly Plugin[], plugin: Plugin): Plugin[] {
  const needed = closuresOf(ordered).get(plugin.name);
  return needed && needed.size > 0 ? ordered.filter((p) => needed.has(p.name)) : [];
}

/** The plugins that depend on `plugin`, directly or not, in dependency order. */
export function dependentsOf(ordered: readonly Plugin[], plugin: Plugin): Plugin[] {
  const closures = closuresOf(ordered);
  return ordered.filter((other) => closures.get(other.name)?.has(plugin.name));
}

// generate asks for every plugin's dependencies and dependents: computed once per plugin list,
// they keep a run over N plugins O(N²) set lookups rather than O(N³) walks.
const closureCache = new WeakMap<readonly Plugin[], { size: number; closures: Map<string, ReadonlySet<string>> }>();

/**
 * Each plugin's dependencies, direct and indirect, among the plugins of `plugins` (a depth-first
 * walk, so any order works); a name outside the list is kept but not followed, as before.
 */
function closuresOf(plugins: readonly Plugin[]): Map<string, ReadonlySet<string>> {
  const cached = closureCache.get(plugins);
  if (cached && cached.size === plugins.length) return cached.closures;
  const byName = new Map(plugins.map((p) => [p.name, p]));
  const closures = new Map<string, Set<string>>();
  const visit = (name: string): ReadonlySet<string> => {
    const known = closures.get(name);
    if (known) return known;
    const closure = new Set<string>();
    // Set before the walk: a cycle (refused at discovery) then ends instead of recursing forever.
    closures.set(name, closure);
    for (const dependency of byName.get(name)?.dependsOn ?? []) {
      closure.add(dependency);
      if (byName.has(dependency)) for (const indirect of visit(dependency)) closure.add(indirect);
    }
    return closure;
  };
  for (const plugin of plugins) visit(plugin.name);
  closureCache.set(plugins, { size: plugins.length, closures });
  return closures;
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
  // One collator for the whole sort: localeCompare builds one per call (~40 ms for 1000 plugins).
  const collator = new Intl.Collator();
  for (const plugin of [...plugins].sort((a, b) => collator.compare(a.name, b.name))) {
    const cycle = visit(plugin.name);
    if (cycle) return cycle;
  }
  return undefined;
}
