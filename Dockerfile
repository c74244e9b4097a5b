# syntax=docker/dockerfile:1
# The Chorus server and web app in one image. The build runs the same script CI runs outside a
# container (scripts/release.mjs, tested by deploy/test/release.test.ts); docs/deploy.md explains
# how to run the image.
#
#   docker build --build-arg CHORUS_COMMIT=$(git rev-parse HEAD) -t chorus .
#   docker run --init -p 3000:3000 --env-file deploy/.env chorus

# --- build: the workspace's dependencies (dev ones too: the web app is built here), then the bundle
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
# The commit recorded in /app/release.json: `--build-arg CHORUS_COMMIT=$(git rev-parse HEAD)`.
ARG CHORUS_COMMIT=unknown
# bootstrap.mjs installs the pinned pnpm and the dependencies from the lockfile, as on a CI machine.
RUN node scripts/bootstrap.mjs node scripts/release.mjs /release

# --- runtime: the bundle alone, production dependencies only, as an unprivileged user
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json \
    FILES_DIR=/var/lib/chorus/files
RUN groupadd --system --gid 10001 chorus \
 && useradd --system --uid 10001 --gid chorus --home-dir /app --shell /usr/sbin/nologin chorus \
 && mkdir -p /var/lib/chorus/files \
 && chown -R chorus:chorus /var/lib/chorus
# Root owns the code: the server cannot rewrite itself.
COPY --from=build /release /app
WORKDIR /app/apps/server
USER 10001:10001
VOLUME ["/var/lib/chorus/files"]
EXPOSE 3000
# /readyz: the database and Redis answer and the server is not draining. Node has fetch built in.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The server drains on SIGTERM (and SIGINT). Exec form: node is the process that gets the signal,
# not a shell. It installs its own handlers, so it also works as PID 1; `--init` (compose:
# `init: true`) adds a reaper for the rare child process.
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=64", "--import", "tsx", "src/main.ts"]
