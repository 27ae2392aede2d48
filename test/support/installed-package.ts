import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from './temp-project.ts';

const PACKAGE = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string>; dependencies: Record<string, string> };
export const PACKAGE_NAME = PACKAGE.name;
export const TSX_LOADER = path.join(REPO_ROOT, 'node_modules/tsx/dist/esm/index.mjs');

/** `npm pack` of this repository (its prepack builds the JavaScript and the declarations), into `dir`. Returns the tarball. */
export async function packRepository(dir: string): Promise<string> {
  const { stdout } = await execa('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: REPO_ROOT, env: { npm_config_update_notifier: 'false' } });
  // prepack's build prints above the JSON.
  const json = String(stdout).slice(String(stdout).search(/^\[/m));
  const [{ filename }] = JSON.parse(json) as [{ filename: string }];
  return path.join(dir, filename);
}

/**
 * A fresh application folder holding only its own plugins/, prisma-templates/ and config, with
 * the tarball installed in node_modules.
 *
 * A real `npm install <tarball>` extracts 249 packages (380 MB): measured at 2 to 5 minutes on
 * this 2-core machine even with a warm cache (`--prefer-offline`), too slow for every test run.
 * So by default the tarball is installed as npm lays it out (extracted to
 * node_modules/<name>, its `bin` entries linked in node_modules/.bin), and each of its declared
 * `dependencies` is linked from this repository's node_modules, which the lock file pins to the
 * same versions. What the tarball contains (files, bin, exports, declarations) is exactly what is
 * tested; a package the code imports but package.json does not list as a dependency fails to
 * resolve. PACKAGE_TEST_NPM_INSTALL=1 runs the real `npm install` instead.
 */
export async function installIntoFreshApp(tarball: string): Promise<string> {
  const app = mkdtempSync(path.join(tmpdir(), 'orchestrator-app-'));
  for (const entry of ['plugins', 'prisma-templates', 'orchestrator.config.json']) cpSync(path.join(REPO_ROOT, entry), path.join(app, entry), { recursive: true });
  for (const plugin of readdirSync(path.join(app, 'plugins'))) rmSync(path.join(app, 'plugins', plugin, 'generated'), { recursive: true, force: true });
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2));
  if (process.env.PACKAGE_TEST_NPM_INSTALL === '1') {
    await execa('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app });
    return app;
  }
  const installed = path.join(app, 'node_modules', PACKAGE_NAME);
  mkdirSync(installed, { recursive: true });
  await execa('tar', ['xzf', tarball, '-C', installed, '--strip-components=1']);
  for (const dependency of Object.keys(PACKAGE.dependencies)) {
    const link = path.join(app, 'node_modules', dependency);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'node_modules', dependency), link);
  }
  mkdirSync(path.join(app, 'node_modules/.bin'));
  for (const [name, file] of Object.entries(PACKAGE.bin)) symlinkSync(path.join('..', PACKAGE_NAME, file), path.join(app, 'node_modules/.bin', name));
  return app;
}
