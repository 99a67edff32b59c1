# The webhook image: `docker build -t graphdata-webhook:0.1.0 .`
# Node 24, the newest LTS, which `npm run test:node` tests (test/node/versions.json);
# production dependencies only; runs as a non-root user and writes nothing outside
# /tmp, so a read-only root filesystem works (the Deployment `kubectl graphdata
# install` creates mounts /tmp).

# 1. Compile TypeScript and the built-in policy.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY certs certs
COPY common common
COPY plugin plugin
COPY policies policies
COPY scripts scripts
COPY webhook webhook
RUN npx tsc -p tsconfig.json && node scripts/compile-default-policy.mjs

# 2. Runtime dependencies only.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

# 3. The image: compiled code, runtime dependencies, the built-in policy.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY policies/default-policy.yaml policies/default-policy.yaml
COPY --from=deps /app/node_modules node_modules
COPY --from=build /src/dist dist
USER 65532:65532
EXPOSE 8443
# Semi-spaces of at most 4 MB (V8's young generation is sized from them), and the heap held
# to the 96 MB the memory plan counts on (common/memory-budget.ts MAIN_HEAP_MB; uncapped, it
# grew with busy connections past the main process's share).
ENTRYPOINT ["node", "--max-semi-space-size=4", "--max-old-space-size=96", "dist/webhook/main.js"]
CMD ["--host", "0.0.0.0", "--port", "8443", "--self-managed"]
