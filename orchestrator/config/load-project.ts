import { existsSync } from 'node:fs';
import path from 'node:path';
import { OrchestratorError } from '../errors.ts';
import { readJsonObject } from './read-json-object.ts';
import { PROVIDERS, isProvider, type Provider } from './provider.ts';

/** The file at the project root that holds project-wide settings. Every key is optional. */
export const CONFIG_FILE = 'orchestrator.config.json';

/** Where `deploy` puts the embedded SQLite database when DATABASE_URL is unset (relative to the project). */
export const DEFAULT_SQLITE_URL = 'file:./data/app.db';

export interface Project {
  root: string;
  pluginsDir: string;
  templatesDir: string;
  /** The provider migrations are generated for: env ORCHESTRATOR_PROVIDER, else the config file, else sqlite. */
  provider: Provider;
  /** DATABASE_URL, else the embedded SQLite file. Only deploy and status connect to it. */
  databaseUrl: string;
  /**
   * SHADOW_DATABASE_URL: a PostgreSQL database generate may use as scratch (temporary schemas)
   * to replay migrations that have no snapshot. Unset: an embedded PostgreSQL (PGlite).
   */
  shadowDatabaseUrl?: string;
}

interface ConfigFile {
  provider?: string;
  pluginsDir?: string;
  templatesDir?: string;
}

/**
 * Reads the project's settings. Precedence, highest first: environment variables,
 * `orchestrator.config.json`, defaults. The environment wins so that one checkout can be
 * pointed at PostgreSQL in CI or a container without editing files.
 */
export function loadProject(root: string, env: NodeJS.ProcessEnv = process.env): Project {
  const configPath = path.join(root, CONFIG_FILE);
  const config = existsSync(configPath) ? readConfigFile(configPath) : {};
  const provider = env.ORCHESTRATOR_PROVIDER || config.provider || 'sqlite';
  if (!isProvider(provider)) {
    const source = env.ORCHESTRATOR_PROVIDER ? 'ORCHESTRATOR_PROVIDER' : configPath;
    throw new OrchestratorError('CONFIG_INVALID', `Unknown provider "${provider}" (from ${source}).`, {
      fix: `Use one of: ${PROVIDERS.join(', ')}.`,
    });
  }
  return {
    root,
    pluginsDir: path.resolve(root, config.pluginsDir ?? 'plugins'),
    templatesDir: path.resolve(root, config.templatesDir ?? 'prisma-templates'),
    provider,
    databaseUrl: env.DATABASE_URL || DEFAULT_SQLITE_URL,
    shadowDatabaseUrl: env.SHADOW_DATABASE_URL || undefined,
  };
}

function readConfigFile(configPath: string): ConfigFile {
  const config = readJsonObject(configPath, 'CONFIG_INVALID', '{"provider": "sqlite"}');
  for (const key of ['provider', 'pluginsDir', 'templatesDir'] as const) {
    if (config[key] !== undefined && typeof config[key] !== 'string') {
      throw new OrchestratorError('CONFIG_INVALID', `${configPath}: "${key}" must be a string.`, {
        fix: `Set "${key}" to a string or remove it.`,
      });
    }
  }
  return config as ConfigFile;
}
