import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Provider } from '../config/provider.ts';
import { OrchestratorError } from '../errors.ts';

export const TEMPLATE_FILE = 'schema.prisma';

/** The datasource and generator header every plugin's schema starts with, from prisma-templates/. */
export const schemaHeader = {
  path(projectRoot: string, templatesDir: string): string {
    return path.relative(projectRoot, path.join(templatesDir, TEMPLATE_FILE)).split(path.sep).join('/');
  },
  content(templatesDir: string, provider: Provider, plugin: string): string {
    return readTemplate(templatesDir).replaceAll('{{provider}}', provider).replaceAll('{{plugin}}', plugin);
  },
};

const templates = new Map<string, string>();

function readTemplate(templatesDir: string): string {
  const templatePath = path.join(templatesDir, TEMPLATE_FILE);
  let template = templates.get(templatePath);
  if (template === undefined) {
    try {
      template = readFileSync(templatePath, 'utf8');
    } catch {
      throw new OrchestratorError('CONFIG_INVALID', `The schema template ${templatePath} is missing.`, {
        fix: 'Restore prisma-templates/schema.prisma (a datasource block with provider = "{{provider}}").',
      });
    }
    templates.set(templatePath, template);
  }
  return template;
}
