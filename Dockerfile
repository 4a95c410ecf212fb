# squall's image: the CLI as the entrypoint, for `squall k8s`'s Jobs and any container engine.
#
#   docker build -t squall:0.1.0 .
#   docker run --rm --network host -v "$PWD:/tests:ro" squall:0.1.0 run /tests/load-test.yaml
#
# Stage 1 builds dist/ with the dev dependencies, then drops them; stage 2 is Node 20 slim with
# the built package alone, run as the unprivileged `node` user.

FROM node:20-slim AS build
# better-sqlite3 downloads its prebuilt binary, and compiles it when there is none for this
# platform: the compilers are here for that, and stay in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin bin
COPY src src
# Exactly the lock; npm ci runs the package's prepare script, which is the build (dist/).
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/bin bin
COPY --from=build /app/dist dist
# `squall` on the PATH: squall k8s's pods call it from a shell.
RUN ln -s /app/bin/squall.js /usr/local/bin/squall
# The node user of the base image, by number: Kubernetes' runAsNonRoot can only check a number.
USER 1000:1000
WORKDIR /home/node
ENTRYPOINT ["squall"]
CMD ["--help"]
