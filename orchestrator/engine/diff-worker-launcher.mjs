// The entry of generate's diff worker threads (see pooled-diff-engine.ts). Plain JavaScript so a
// worker starts the same way from source and from the built CLI: from source it registers tsx to
// load the TypeScript beside it; the built CLI (scripts/build-cli.ts) bundles diff-worker.ts into
// this file and defines ORCHESTRATOR_BUILT.
if (typeof ORCHESTRATOR_BUILT === 'undefined') {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./diff-worker.ts');
