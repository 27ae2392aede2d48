import type { PluginNode } from './plugin-graph.ts';

/** A Graphviz digraph (`dot -Tsvg`): one box per plugin with the tables and enums it owns, an edge to each dependency. */
export function renderDot(plugins: PluginNode[]): string {
  const shown = new Set(plugins.map((plugin) => plugin.name));
  const lines = ['digraph plugins {', '  rankdir=BT;', '  node [shape=box];'];
  for (const plugin of plugins) {
    const owned = [...plugin.tables, ...plugin.enums.map((name) => `enum ${name}`)];
    // \l ends a left-aligned line in a Graphviz label.
    const label = [`${plugin.name} ${plugin.version}`, ...owned].map((line) => `${quote(line)}\\l`).join('');
    lines.push(`  "${quote(plugin.name)}" [label="${label}"];`);
  }
  for (const plugin of plugins) {
    for (const dependency of plugin.dependsOn.filter((name) => shown.has(name))) lines.push(`  "${quote(plugin.name)}" -> "${quote(dependency)}" [label="depends on"];`);
  }
  lines.push('}');
  return lines.join('\n');
}

/** The inside of a DOT double-quoted string. */
function quote(text: string): string {
  return text.replace(/[\\"]/g, (char) => `\\${char}`);
}
