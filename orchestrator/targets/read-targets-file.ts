import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OrchestratorError, errorMessage } from '../errors.ts';
import { resolveTargets, type Target, type TargetEntry } from './target.ts';

/**
 * Reads `deploy --targets <file>`: a JSON array of URL strings, or one URL per line, where blank
 * lines and `#` comments (a whole line, or after whitespace: a URL has none) are skipped.
 * Relative `file:` URLs are relative to the project, as DATABASE_URL's are.
 */
export function readTargetsFile(file: string, projectRoot: string): Target[] {
  const shown = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new OrchestratorError('CONFIG_INVALID', `Cannot read the targets file ${shown}: ${errorMessage(error)}`, {
      fix: 'Pass --targets a readable file listing one database URL per line, or a JSON array of URLs.',
      cause: error,
    });
  }
  return resolveTargets(parseTargetsText(text, shown), projectRoot, shown);
}

export function parseTargetsText(text: string, source: string): TargetEntry[] {
  return text.trimStart().startsWith('[') ? parseJsonList(text, source) : parseLines(text, source);
}

function parseLines(text: string, source: string): TargetEntry[] {
  return text.split(/\r?\n/).flatMap((line, index) => {
    const url = line.replace(/(^|\s)#.*$/, '').trim();
    return url === '' ? [] : [{ url, where: `${source}:${index + 1}` }];
  });
}

function parseJsonList(text: string, source: string): TargetEntry[] {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (error) {
    throw new OrchestratorError('CONFIG_INVALID', `The targets file ${source} starts with "[" but is not valid JSON: ${errorMessage(error)}`, {
      fix: 'Write a JSON array of URL strings, e.g. ["postgresql://app@db:5432/app?schema=tenant_a"], or one URL per line.',
    });
  }
  if (!Array.isArray(list)) throw notAList(source);
  return list.map((url, index) => {
    if (typeof url !== 'string') throw notAList(source, index);
    return { url: url.trim(), where: `${source}[${index}]` };
  });
}

function notAList(source: string, index?: number): OrchestratorError {
  return new OrchestratorError('CONFIG_INVALID', `The targets file ${source} must be a JSON array of URL strings${index === undefined ? '' : `; entry ${index} is not a string`}.`, {
    fix: 'Write it as ["postgresql://…?schema=tenant_a", "postgresql://…?schema=tenant_b"], or one URL per line.',
  });
}
