#!/usr/bin/env node
// The package's CLI (`npx prisma-plugins <command>`): the orchestrator built by `npm run build`.
import '../dist/orchestrator/index.mjs';
