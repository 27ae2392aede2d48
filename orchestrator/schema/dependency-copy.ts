import type { SchemaSource } from './prisma-schema-wasm.ts';

/** A back-relation field the orchestrator adds to a dependency's model, in composed copies only. */
export interface BackField {
  /** The plugin whose model gets the field, and the file and 1-based line of that model's closing brace. */
  targetPlugin: string;
  targetModel: string;
  file: string;
  beforeLine: number;
  name: string;
  /** The whole line, indented and with a comment saying where it comes from. */
  text: string;
}

/** The files of one dependency plugin, as its own reading left them (SQLite-adapted where needed). */
export interface DependencySource {
  plugin: string;
  files: SchemaSource[];
}

/** A rendered copy, and for each of its lines the dependency file line it came from (null for added lines). */
export interface DependencyCopy extends SchemaSource {
  origin: ({ file: string; line: number } | null)[];
}

/** The virtual folder of dependency copies in composed schemas and snapshots. */
export const DEPENDENCY_COPY_DIR = 'dependencies/';

export function dependencyCopyPath(plugin: string): string {
  return `${DEPENDENCY_COPY_DIR}${plugin}.prisma`;
}

/**
 * A dependency's model files as one read-only file of a dependent's composed schema, with the
 * back-relation fields inserted before the closing brace of their models. The text is the
 * dependency's own, so Prisma reads it exactly as it reads the dependency.
 */
export function renderDependencyCopy(dependency: DependencySource, backFields: readonly BackField[]): DependencyCopy {
  const lines = [`// Read-only copy of plugin "${dependency.plugin}": its own migrations manage these tables.`, ''];
  const origin: DependencyCopy['origin'] = [null, null];
  for (const file of dependency.files) {
    const fileLines = file.content.replace(/\n$/, '').split('\n');
    fileLines.forEach((line, index) => {
      for (const field of backFields) {
        if (field.file === file.path && field.beforeLine === index + 1) {
          lines.push(field.text);
          origin.push(null);
        }
      }
      lines.push(line);
      origin.push({ file: file.path, line: index + 1 });
    });
    lines.push('');
    origin.push(null);
  }
  return { path: dependencyCopyPath(dependency.plugin), content: lines.join('\n'), origin };
}

/** The dependency file line that a position in the copy stands for: the next line that came from the dependency. */
export function originOf(copy: DependencyCopy, line: number): { file: string; line: number } | undefined {
  for (let index = line; index < copy.origin.length; index++) {
    const origin = copy.origin[index];
    if (origin) return origin;
  }
  return undefined;
}
