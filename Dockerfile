# The runtime image: the programs of src/runtime (drift, anomaly, remediation, index-setup) behind one entrypoint.
#
#   docker build -t ghcr.io/cdk8s-tenant-monitoring/runtime:$(node -p "require('./package.json').version") .
#   docker run --rm ghcr.io/cdk8s-tenant-monitoring/runtime:<version> --help
#
# Manifests run it as `<command> [options]` (e.g. args: ["index-setup", "--plan", ...]); the image name and tag come
# from Images.runtime() in src/core/images.ts (default tag: the package version).

# Pinned: the same Node.js release the project is built and tested with.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY imports ./imports
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/lib/src ./lib/src
# Numeric, so Kubernetes can verify runAsNonRoot; matches the pods' runAsUser.
USER 65532:65532
ENTRYPOINT ["node", "/app/lib/src/runtime/cli.js"]
CMD ["--help"]
