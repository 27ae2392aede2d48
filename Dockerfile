# An application that uses the orchestrator: its plugins' migrations are applied by the
# entrypoint before the application starts. See docs/containers.md.
#
#   docker build -t my-app .
#   docker run -e DATABASE_URL=postgresql://user:password@db:5432/app my-app
#
# test/docker-image-install.test.ts performs this file's COPY lines and its deps stage's
# `RUN npm …` lines in a temporary folder and deploys from there, so a file the image lacks, or
# a dependency `npm ci --omit=dev` leaves out, fails a test. Keep those lines in shell form.

# Both stages must share it: better-sqlite3's addon is built for one Node ABI and one libc.
ARG NODE_VERSION=20.20

# --- deps: production node_modules (better-sqlite3's addon built here) and the built CLI -----
FROM node:${NODE_VERSION}-bookworm-slim AS deps
# For node-gyp, when better-sqlite3 has no prebuilt binary for this Node and platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: @prisma/engines' postinstall downloads a native schema engine that nothing
# here runs (the orchestrator uses Prisma's WebAssembly engine in-process), and the other
# scripts are checks. better-sqlite3's is the one needed, so it alone is run, by the rebuild.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
# The orchestrator built into plain JavaScript by esbuild (which tsx needs at run time anyway):
# every container start runs deploy, and the built CLI starts in about a third of tsx's time.
COPY scripts/build-cli.ts ./scripts/
COPY orchestrator/ ./orchestrator/
RUN npm run build

# --- runtime: Node, production dependencies and the application; no compilers ----------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# tsx (which runs the orchestrator's TypeScript) would cache compiled files under /tmp, and fail
# where that is read-only; in a fresh container the cache would be empty anyway.
ENV NODE_ENV=production TSX_DISABLE_CACHE=1
# The entrypoint's deploy runs the built CLI; `tsx orchestrator …` still works for other commands.
ENV MIGRATE_COMMAND="node dist/orchestrator/index.mjs deploy"
WORKDIR /app
# Everything is owned by root, so the application's user cannot rewrite code or migrations.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/dist ./dist
# package.json also tells Node that the orchestrator's files are ES modules.
COPY package.json package-lock.json orchestrator.config.json ./
COPY orchestrator/ ./orchestrator/
COPY prisma-templates/ ./prisma-templates/
COPY plugins/ ./plugins/
COPY docker/entrypoint.sh ./docker/entrypoint.sh
# The application's own files go here, e.g.:
# COPY server.js ./
# The embedded SQLite database (DATABASE_URL unset) is data/app.db: the one folder the
# application's user may write. Mount a volume on /app/data to keep it.
RUN mkdir data && chown 1000:1000 data
# The node image's "node" user, by number, so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["node", "server.js"]
