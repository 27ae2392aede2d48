import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isProvider, type Provider } from '../config/provider.ts';
import { OrchestratorError, errorMessage } from '../errors.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { readReplaces, REPLACES_FILE, type ReplacedMigration } from './replaces-file.ts';

/**
 * A plugin's `migrations/` folder, in Prisma Migrate's layout:
 *   migrations/migration_lock.toml
 *   migrations/<yyyyMMddHHmmss>_<slug>/migration.sql
 * plus `snapshot.prisma` beside each `migration.sql`: the plugin's schema as that migration
 * leaves it, which the next generate diffs from, and `down.sql`: the script that undoes it
 * (rollback). Prisma ignores the extra files.
 */
export const MIGRATION_FILE = 'migration.sql';
export const SNAPSHOT_FILE = 'snapshot.prisma';
/** The reverse script `rollback` runs; not part of the migration's checksum, so adding or editing it never makes an applied migration "modified". */
export const DOWN_FILE = 'down.sql';
export const LOCK_FILE = 'migration_lock.toml';

export interface MigrationOnDisk {
  name: string;
  dir: string;
  sqlPath: string;
  /** The file's text, decoded as strict UTF-8 (a file that is not valid UTF-8 is refused, never altered). */
  sql: string;
  /**
   * sha256 (hex) of the text with CRLF line endings normalised to LF: what new history rows
   * record. A checkout that only changed line endings is therefore not an edit.
   */
  checksum: string;
  /**
   * Every checksum a history row may hold for this same text: the LF one above, the raw bytes
   * (rows written before line endings were normalised, and Prisma's own), and the CRLF form.
   */
  acceptedChecksums: ReadonlySet<string>;
  /** A squashed migration: the migrations it replaces (replaces.json beside it). */
  replaces?: ReplacedMigration[];
}

export function listMigrations(plugin: Plugin): MigrationOnDisk[] {
  if (!existsSync(plugin.migrationsDir)) return [];
  const folders = readdirSync(plugin.migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrations: MigrationOnDisk[] = [];
  for (const name of folders) {
    const files = folderFiles(plugin, name);
    if (files.has(MIGRATION_FILE)) migrations.push(readMigration(plugin, name, files));
  }
  return migrations;
}

/**
 * The names in a migration folder: whether it holds a migration.sql entry (even a broken link,
 * which reading then reports rather than skipping the folder), and a replaces.json. One listing
 * answers both, where an lstat and an existsSync each cost a system call per migration of every
 * no-op deploy.
 */
function folderFiles(plugin: Plugin, name: string): ReadonlySet<string> {
  try {
    return new Set(readdirSync(path.join(plugin.migrationsDir, name)));
  } catch (error) {
    throw new OrchestratorError('MIGRATION_INVALID', `Plugin "${plugin.name}": the migration folder ${path.join(plugin.migrationsDir, name)} cannot be read: ${errorMessage(error)}`, {
      fix: 'Check that the folder exists and that this user may read it.',
      cause: error,
    });
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

function readMigration(plugin: Plugin, name: string, files: ReadonlySet<string>): MigrationOnDisk {
  const dir = path.join(plugin.migrationsDir, name);
  const sqlPath = path.join(dir, MIGRATION_FILE);
  const { sql, bytes } = readSqlFile(plugin, name, sqlPath);
  const lf = sql.replace(/\r\n/g, '\n');
  const checksum = checksumOf(lf);
  const replaces = files.has(REPLACES_FILE) ? readReplaces(dir) : undefined;
  let accepted: ReadonlySet<string> | undefined;
  return {
    name,
    dir,
    sqlPath,
    sql,
    checksum,
    // Hashed on first use: a history row nearly always holds `checksum` itself (matchesChecksum).
    get acceptedChecksums() {
      return (accepted ??= new Set([checksum, checksumOf(bytes), checksumOf(lf.replace(/\n/g, '\r\n'))]));
    },
    ...(replaces ? { replaces } : {}),
  };
}

/** Whether a history row's checksum is this migration's text (any of its accepted forms). */
export function matchesChecksum(migration: MigrationOnDisk, checksum: string): boolean {
  return checksum === migration.checksum || migration.acceptedChecksums.has(checksum);
}

/** A migration's down.sql (what rollback runs), or undefined when it has none (written before generate wrote them, or by hand). */
export function readDownScript(plugin: Plugin, migration: MigrationOnDisk): { path: string; sql: string } | undefined {
  const downPath = path.join(migration.dir, DOWN_FILE);
  if (!existsSync(downPath)) return undefined;
  return { path: downPath, sql: readSqlFile(plugin, migration.name, downPath).sql };
}

/** A SQL file's text as strict UTF-8: a file that is not is refused, never re-encoded. */
function readSqlFile(plugin: Plugin, name: string, sqlPath: string): { sql: string; bytes: Buffer } {
  const invalid = (problem: string, fix: string, cause?: unknown) =>
    new OrchestratorError('MIGRATION_INVALID', `Plugin "${plugin.name}", migration ${name}: ${sqlPath} ${problem}`, { fix, cause });
  const file = path.basename(sqlPath);
  let bytes: Buffer;
  try {
    if (!statSync(sqlPath).isFile()) throw invalid('is not a file.', `Make ${file} a plain file holding the migration's SQL (restore it from version control).`);
    bytes = readFileSync(sqlPath);
  } catch (error) {
    if (error instanceof OrchestratorError) throw error;
    throw invalid(`cannot be read: ${errorMessage(error)}`, 'Check that the file exists and that this user may read it.', error);
  }
  try {
    return { sql: STRICT_UTF8.decode(bytes), bytes };
  } catch (error) {
    const at = firstInvalidUtf8(bytes);
    throw invalid(
      `is not valid UTF-8 (byte 0x${bytes[at]?.toString(16).padStart(2, '0')} at offset ${at}, line ${lineAt(bytes, at)}). It was not run, and it is never re-encoded silently.`,
      'Save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8), or restore it from version control.',
      error,
    );
  }
}

/**
 * Offset of the first byte that breaks UTF-8, for the error message only (the decoder above
 * decides validity): lead bytes and their continuation bytes, without the finer rules.
 */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
    if (length === 0) return i;
    for (let k = 1; k < length; k++) if (i + k >= bytes.length || (bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return 0;
}

function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

export function checksumOf(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The provider recorded in the lock file, or undefined when the plugin has no migrations yet. */
export function readLockedProvider(plugin: Plugin): Provider | undefined {
  const lockPath = path.join(plugin.migrationsDir, LOCK_FILE);
  const lock = readFileIfExists(lockPath);
  if (lock === undefined) return undefined;
  const match = /^\s*provider\s*=\s*"([^"]*)"/m.exec(lock);
  if (!match || !isProvider(match[1])) {
    throw new OrchestratorError('PROVIDER_MISMATCH', `Plugin "${plugin.name}": ${lockPath} does not name a supported provider.`, {
      fix: 'Restore the file from version control; it holds a line like provider = "sqlite".',
    });
  }
  return match[1];
}

/**
 * The schema the plugin's migrations leave behind: the snapshot of the newest migration that has
 * one. A migration written by hand (data only, say) has none and is taken to leave the models as
 * they were. Null before the plugin's first migration, and when no migration has a snapshot
 * (then generate derives the state by replaying them: generate/derive-previous-state.ts).
 */
export function readLatestSnapshot(migrations: MigrationOnDisk[]): { path: string; content: string } | null {
  for (const migration of [...migrations].reverse()) {
    const snapshotPath = path.join(migration.dir, SNAPSHOT_FILE);
    if (existsSync(snapshotPath)) return { path: snapshotPath, content: readFileSync(snapshotPath, 'utf8') };
  }
  return null;
}

/** Writes the snapshot of an existing migration (one written by hand); its migration.sql, and so its checksum, stay as they are. */
export function writeSnapshot(migration: MigrationOnDisk, snapshot: string): string {
  const snapshotPath = path.join(migration.dir, SNAPSHOT_FILE);
  writeFileSync(snapshotPath, snapshot);
  return snapshotPath;
}

/**
 * Writes a new migration's folder, and the lock file. `staged`: the same folder already written
 * elsewhere on the same file system (generate writes them while it plans), moved into place
 * with one rename; written afresh when that cannot be done.
 */
export function writeMigration(plugin: Plugin, name: string, sql: string, snapshot: string, provider: Provider, downSql?: string, staged?: string): string {
  const dir = path.join(plugin.migrationsDir, name);
  if (!(staged && moveFolder(staged, dir))) writeMigrationFiles(dir, sql, snapshot, downSql);
  const lockPath = path.join(plugin.migrationsDir, LOCK_FILE);
  const lock = `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`;
  // Rewriting an unchanged file costs the file system more than reading it (1000 plugins, 1000 files).
  if (readFileIfExists(lockPath) !== lock) writeFileSync(lockPath, lock);
  return dir;
}

/** A migration folder's files (not the lock file beside the folders), into `dir`. */
export function writeMigrationFiles(dir: string, sql: string, snapshot: string, downSql?: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, MIGRATION_FILE), sql);
  writeFileSync(path.join(dir, SNAPSHOT_FILE), snapshot);
  if (downSql !== undefined) writeFileSync(path.join(dir, DOWN_FILE), downSql === '' ? '-- Nothing to undo: the schema engine found no difference back to the previous state.\n' : downSql);
}

/** A file's text, or undefined when there is no such file; any other failure (a folder, no permission) is thrown. */
function readFileIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function moveFolder(from: string, to: string): boolean {
  try {
    if (existsSync(to)) return false;
    mkdirSync(path.dirname(to), { recursive: true });
    renameSync(from, to);
    return true;
  } catch {
    return false;
  }
}

/**
 * `<UTC yyyyMMddHHmmss>_<slug>`, as Prisma names migrations. Names must sort in creation
 * order, so a name that would not sort after the newest existing one takes the next second.
 */
export function nextMigrationName(existing: MigrationOnDisk[], message: string, now: Date = new Date()): string {
  let stamp = timestamp(now);
  const newest = existing.at(-1)?.name.slice(0, 14);
  if (newest && /^\d{14}$/.test(newest) && stamp <= newest) stamp = timestamp(new Date(parseStamp(newest).getTime() + 1000));
  const slug = message.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60);
  return slug ? `${stamp}_${slug}` : stamp;
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function parseStamp(stamp: string): Date {
  const [y, mo, d, h, mi, s] = [stamp.slice(0, 4), stamp.slice(4, 6), stamp.slice(6, 8), stamp.slice(8, 10), stamp.slice(10, 12), stamp.slice(12, 14)];
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}
