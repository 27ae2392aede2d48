import { unhandledProvider } from '../config/provider.ts';
import { parseDatabaseUrl, type DatabaseTarget } from '../database/database-url.ts';
import { OrchestratorError } from '../errors.ts';

/** One database (or one schema of one) that a many-target deploy or status reaches. */
export interface Target {
  /** The URL as given, password included: only ever handed to the driver. */
  url: string;
  /** The URL without its password, for every report and message. */
  displayUrl: string;
  /**
   * What makes two URLs the same tables: file path, or host, port, database and schema.
   * Leaves out the user, the password and other parameters, so that rotating a password or
   * tuning connect_timeout neither hides a duplicate nor moves the target to another shard.
   */
  key: string;
}

/** A URL and where it came from (`targets.txt:3`, `targets[2]`), for messages. */
export interface TargetEntry {
  url: string;
  where: string;
}

/**
 * Checks every URL before anything connects: a URL the orchestrator cannot use, or two entries
 * for the same database and schema (they would only queue on each other's lock), is refused,
 * naming the entry. An empty list is refused too: a deploy to nothing is a mistake in the file.
 */
export function resolveTargets(entries: TargetEntry[], projectRoot: string, source: string): Target[] {
  if (entries.length === 0) {
    throw new OrchestratorError('CONFIG_INVALID', `${source} lists no targets.`, {
      fix: 'List one database URL per line (# starts a comment), or a JSON array of URL strings.',
    });
  }
  const seen = new Map<string, string>();
  return entries.map(({ url, where }) => {
    let parsed: DatabaseTarget;
    try {
      parsed = parseDatabaseUrl(url, projectRoot);
    } catch (error) {
      if (!(error instanceof OrchestratorError)) throw error;
      throw new OrchestratorError(error.code, `${where}: ${error.message}`, error.fix === undefined ? {} : { fix: error.fix });
    }
    const key = targetKey(parsed);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new OrchestratorError('CONFIG_INVALID', `${where}: ${parsed.displayUrl} is the same database and schema as ${earlier}.`, {
        fix: 'List each database (or schema) once: two deploys of it would only wait for each other.',
      });
    }
    seen.set(key, where);
    return { url, displayUrl: parsed.displayUrl, key };
  });
}

function targetKey(target: DatabaseTarget): string {
  switch (target.provider) {
    case 'sqlite':
      return `file:${target.filePath}`;
    case 'postgresql': {
      const { host, port, database } = target.server;
      return `postgresql://${host}:${port}/${database}?schema=${target.schema ?? ''}`;
    }
    default:
      return unhandledProvider(target);
  }
}
