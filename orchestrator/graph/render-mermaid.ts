import type { PluginNode } from './plugin-graph.ts';

/**
 * A Mermaid flowchart: one box per plugin with its version and the tables (and enums) it owns,
 * an arrow from each plugin to each plugin it depends on. Node ids are prefixed, since a plugin
 * may be called `end`, which Mermaid reserves.
 */
export function renderMermaid(plugins: PluginNode[]): string {
  const shown = new Set(plugins.map((plugin) => plugin.name));
  const lines = ['flowchart BT'];
  for (const plugin of plugins) {
    const owned = [...plugin.tables, ...plugin.enums.map((name) => `enum ${name}`)];
    lines.push(`  ${id(plugin.name)}["${escape(`${plugin.name} ${plugin.version}`)}${owned.map((name) => `<br/>${escape(name)}`).join('')}"]`);
  }
  for (const plugin of plugins) {
    for (const dependency of plugin.dependsOn.filter((name) => shown.has(name))) lines.push(`  ${id(plugin.name)} -->|depends on| ${id(dependency)}`);
  }
  return lines.join('\n');
}

function id(plugin: string): string {
  return `plugin_${plugin}`;
}

/** Mermaid's entity codes: a quote or angle bracket in a table name would end the label or open a tag. */
function escape(text: string): string {
  return text.replace(/[#"<>]/g, (char) => `#${char.codePointAt(0)};`);
}
