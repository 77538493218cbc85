# syntax=docker/dockerfile:1
# dbarch GitHub App. Build: docker build -t dbarch . ; run: see docs/app.md.

# Node 22 LTS (supported to April 2027), pinned by digest so a rebuild gets the same
# image; the tag stays for readers. To move it: docker buildx imagetools inspect node:22-slim
ARG NODE_IMAGE=node:22-slim@sha256:dd9d21971ec4395903fa6143c2b9267d048ae01ca6d3ea96f16cb30df6187d94

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: `prepare` would compile before the sources are copied.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY rules ./rules
COPY scripts ./scripts
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; optional dependencies stay on so squawk-cli's
# platform package (@squawk-cli/linux-x64 or linux-arm64) brings the squawk binary.
RUN npm ci --omit=dev --ignore-scripts --include=optional \
    && npm cache clean --force \
    && node_modules/.bin/squawk --version
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY rules ./rules
COPY app.yml ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/prod/main.js"]
