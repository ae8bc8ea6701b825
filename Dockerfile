# ampstream container: multi-stage (build with dev dependencies, run with production ones
# only), non-root, /healthz as the health check.
#   docker build --build-arg AMPSTREAM_COMMIT=$(git rev-parse --short HEAD) -t ampstream .
#   docker run -v $PWD/ampstream.yaml:/etc/ampstream/ampstream.yaml:ro -v ampstream:/var/lib/ampstream ampstream

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build-info.mjs ./scripts/build-info.mjs
ARG AMPSTREAM_COMMIT=unknown
ENV AMPSTREAM_COMMIT=${AMPSTREAM_COMMIT}
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    AMPSTREAM_VAULT=/var/lib/ampstream/vault.json
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY assets ./assets
RUN mkdir -p /var/lib/ampstream /etc/ampstream && chown node:node /var/lib/ampstream
USER node
VOLUME ["/var/lib/ampstream"]
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/ampstream.js"]
CMD ["run", "--config", "/etc/ampstream/ampstream.yaml"]
