# Lobby's image: lobbyd (every service and adapter; the chart picks what each Deployment hosts
# with --services/--adapters) and lobbyctl (for the estate Job and for operators).
#   docker build -t lobby:0.1.0 .
# Build stage: Debian 12 with the packages scripts/setup installs (scripts/setup itself runs), Node
# among them for the web console (npm ci from web/package-lock.json).
FROM debian:12 AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/setup scripts/setup
RUN scripts/setup && rm -rf /var/lib/apt/lists/*
COPY . .
RUN rm -rf build build-asan var \
 && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOBBY_BUILD_TESTS=OFF \
 && cmake --build build --target lobbyd lobbyctl \
 && strip build/bin/lobbyd build/bin/lobbyctl \
 && rm -rf web/node_modules web/dist && web/build

# Runtime stage: only the shared libraries lobbyd and lobbyctl load (scripts/image-check
# compares this list with what `ldd` says), CA certificates for the providers' HTTPS APIs and
# the time zone database for estates' local time.
FROM debian:12-slim
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      libabsl20220623 libbrotli1 libc-ares2 libcpp-httplib0.11 libfmt9 libgrpc++1.51 libgrpc29 \
      libhiredis0.14 libicu72 libphonenumber8 libprotobuf32 libpugixml1v5 libre2-9 \
      libsodium23 libspdlog1.10 libssl3 libstdc++6 libyaml-cpp0.7 \
      ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 lobby \
 && useradd --system --uid 10001 --gid lobby --home-dir /nonexistent --shell /usr/sbin/nologin lobby
COPY --from=build /src/build/bin/lobbyd /src/build/bin/lobbyctl /usr/local/bin/
# The web console's files; the gateway serves them with --console-dir (the chart's default).
COPY --from=build /src/web/dist /usr/share/lobby/console
# Listen on every interface inside the pod; logs as JSON lines on stderr.
ENV LOBBY_GRPC_LISTEN=0.0.0.0:7000 LOBBY_HTTP_LISTEN=0.0.0.0:7080 LOBBY_LOG_FORMAT=json
EXPOSE 7000 7080
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/lobbyd"]
