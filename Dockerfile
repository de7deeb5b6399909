# Tern in a container: ternd on a TAP device inside the container, with the client tools.
# docs/container.md explains every line of the README's "Tern in a container":
#
#   docker build -t tern .
#   docker run -d --rm --name tern --cap-add NET_ADMIN --device /dev/net/tun \
#       --sysctl net.ipv4.ip_forward=1 -p 8080:80 tern
#   docker exec tern ping -c 3 10.0.0.2
#   curl http://127.0.0.1:8080/

# The toolchain: the same Swift release as the one the package is developed with.
ARG SWIFT_IMAGE=swift:6.3.1-bookworm

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcap-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The dependencies first, in a layer of their own: Package.swift pins their exact versions,
# so this layer is the same for every build and only a change to Package.swift (not to a
# source file) fetches them again.
COPY Package.swift ./
RUN swift package resolve
COPY . .
# The build commands of docs/container.md ("Building"), word for word.
RUN for product in ternd tern-chat tern-time tern-get tern-words; do \
        swift build -c release --static-swift-stdlib --product "$product" || exit 1; \
        install -D -s -m 755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/$product" "dist/$product" || exit 1; \
    done

FROM debian:bookworm-slim
# libcap2 for ternd's privilege drop; iproute2 and nftables for the entrypoint (the TAP's
# routes, the published ports); tini reaps what docker exec leaves behind; ping and curl to
# reach the virtual host.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcap2 libstdc++6 iproute2 nftables tini iputils-ping curl \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/dist/ /usr/local/bin/
COPY Tools/container-entrypoint.sh /usr/local/bin/container-entrypoint
# The web root ternd serves by default (./www, relative to the working directory).
RUN mkdir -p /srv/www && printf '<h1>tern</h1>\n' >/srv/www/index.html
WORKDIR /srv
# tini is PID 1: it forwards docker stop's SIGTERM to ternd and reaps orphaned processes.
ENTRYPOINT ["/usr/bin/tini", "-s", "--", "/usr/local/bin/container-entrypoint"]
