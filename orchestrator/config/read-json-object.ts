import { OrchestratorError, errorMessage, type ErrorCode } from '../errors.ts';
import { readProjectFile } from '../files/project-files.ts';

/**
 * Reads a small JSON settings file (project config, plugin manifest) that must hold an object.
 * Bad JSON or another shape is an error naming the file, with `example` as the fix.
 */
export function readJsonObject(filePath: string, code: ErrorCode, example: string): Record<string, unknown> {
  const text = readProjectFile(filePath, code);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OrchestratorError(code, `${filePath} is not valid JSON: ${errorMessage(error)}`, {
      fix: `Correct the JSON syntax; the file looks like ${example}.`,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new OrchestratorError(code, `${filePath} must hold a JSON object.`, { fix: `Write it as ${example}.` });
  }
  return parsed as Record<string, unknown>;
}
