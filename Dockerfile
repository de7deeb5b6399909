# Tern in a container: ternd on a TAP device inside the container, reachable from the
# container itself (docker exec). See "Tern in a container" in README.md.
#
#   docker build -t tern .
#   docker run --rm --name tern --cap-add NET_ADMIN --device /dev/net/tun tern
#   docker exec tern ping -c 3 10.0.0.2
#   docker exec tern curl -s http://10.0.0.2/

# The toolchain: the same Swift release as the one the package is developed with.
ARG SWIFT_IMAGE=swift:6.3.1-bookworm

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcap-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The build commands of the README ("Tern in a container", "Building"), word for word.
RUN swift build -c release --static-swift-stdlib --product ternd \
    && install -D -s -m 755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/ternd" dist/ternd

FROM debian:bookworm-slim
# libcap2 for ternd's privilege drop; iproute2 for the entrypoint; ping and curl to reach
# the virtual host with docker exec.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcap2 libstdc++6 iproute2 iputils-ping curl \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/dist/ternd /usr/local/bin/ternd
COPY Tools/container-entrypoint.sh /usr/local/bin/container-entrypoint
# The web root ternd serves by default (./www, relative to the working directory).
RUN mkdir -p /srv/www && printf '<h1>tern</h1>\n' >/srv/www/index.html
WORKDIR /srv
ENTRYPOINT ["/usr/local/bin/container-entrypoint"]
