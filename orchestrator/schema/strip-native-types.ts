import type { SchemaDiagnostic, SchemaSource } from './prisma-schema-wasm.ts';

/** What every native type attribute starts with (`@db.VarChar(100)`); SQLite has none. */
export const NATIVE_TYPE_PREFIX = '@db.';

/**
 * SQLite's Prisma connector has no native types, so `@db.VarChar(30)` is a schema error there.
 * Removing those attributes lets one set of models serve both providers: SQLite stores such
 * columns as TEXT and never enforced lengths anyway. Prisma's own validation locates each
 * attribute (its span covers exactly `@db.VarChar(30)`), so string literals and comments that
 * merely mention `@db.` are never touched. Line numbers are preserved.
 */
export function stripNativeTypes(file: SchemaSource, diagnostics: readonly SchemaDiagnostic[]): string {
  const spans = diagnostics
    .filter((d) => d.path === file.path && !d.isWarning && d.text.startsWith('Native type') && file.content.startsWith(NATIVE_TYPE_PREFIX, d.start))
    .sort((a, b) => b.start - a.start);
  let content = file.content;
  for (const span of spans) {
    let start = span.start;
    // Prisma's span may take the blanks after the attribute along; those stay.
    const end = span.start + content.slice(span.start, span.end).trimEnd().length;
    // The blank before the attribute goes too, so `String @db.Text` becomes `String`.
    while (start > 0 && (content[start - 1] === ' ' || content[start - 1] === '\t')) start--;
    content = content.slice(0, start) + content.slice(end);
  }
  return content;
}
