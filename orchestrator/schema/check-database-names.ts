import { OrchestratorError, abbreviate, quoteForMessage } from '../errors.ts';
import { maxIdentifierLength } from '../ownership/constraint-names.ts';
import { databaseObjects } from '../ownership/database-objects.ts';
import type { PluginModels } from './read-plugin-models.ts';

/**
 * Names Prisma's engine accepts but writes into SQL that fails at deploy (seen with the engine
 * this project pins): it quotes identifiers as "…" and enum labels as '…' without escaping, so
 * a `"` in a table, column, index or enum name, or a `'` in an enum value on PostgreSQL, breaks
 * the statement. Also refused: empty names, names PostgreSQL would silently cut to 63 bytes
 * (the database would then hold another name than the schema says), enum labels over 63 bytes,
 * and on SQLite tables or indexes named `sqlite_…`, which SQLite reserves.
 */
export function checkDatabaseNames(models: PluginModels, locate: (declaredBy: string) => { path: string; line: number } | undefined): void {
  const { provider } = models;
  const limit = maxIdentifierLength(provider);
  const problems: { declaredBy: string; problem: string }[] = [];
  const identifier = (what: string, name: string, declaredBy: string) => {
    const problem =
      name === '' ? 'is empty'
      : name.includes('"') ? 'contains a double quote, which the engine writes into SQL unescaped'
      : name.includes('\0') ? 'contains a NUL character'
      : Buffer.byteLength(name) > limit ? `is longer than ${provider}'s ${limit} bytes`
      : provider === 'sqlite' && name.toLowerCase().startsWith('sqlite_') && what !== 'column' ? 'starts with "sqlite_", which SQLite reserves for itself'
      : undefined;
    if (problem) problems.push({ declaredBy, problem: `the ${what} name ${quoteForMessage(name)} ${problem}` });
  };

  for (const object of databaseObjects(models)) identifier(object.kind === 'index' ? 'index or constraint' : object.kind, object.name, object.declaredBy);
  for (const model of models.models) {
    for (const field of model.fields.filter((f) => f.kind !== 'object')) identifier('column', field.dbName ?? field.name, model.name);
  }
  for (const enumType of models.enums) {
    for (const value of enumType.values) {
      const label = value.dbName ?? value.name;
      // SQLite stores enums as TEXT and the engine escapes quotes in string defaults, so only PostgreSQL's labels matter.
      if (provider !== 'postgresql') continue;
      const problem =
        label === '' ? 'is empty'
        : label.includes("'") ? "contains a single quote, which the engine writes into CREATE TYPE unescaped"
        : Buffer.byteLength(label) > 63 ? "is longer than PostgreSQL's 63 bytes for an enum label"
        : undefined;
      if (problem) problems.push({ declaredBy: enumType.name, problem: `the value ${value.name} of enum ${enumType.name} is stored as ${quoteForMessage(label)}, which ${problem}` });
    }
  }
  if (problems.length === 0) return;
  const lines = problems.map(({ declaredBy, problem }) => {
    const where = locate(declaredBy);
    return `  - ${where ? `${where.path}:${where.line}` : models.plugin.dir} (${abbreviate(declaredBy)}): ${problem}`;
  });
  throw new OrchestratorError('SCHEMA_INVALID', `Plugin "${models.plugin.name}": names that would produce SQL failing on ${provider}:\n${lines.join('\n')}`, {
    fix: 'Choose another name with @@map / @map (or map: for an index): letters, digits and "_" are safe everywhere.',
  });
}
