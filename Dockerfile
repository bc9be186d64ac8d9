# syntax=docker/dockerfile:1
# heroku-deploy's CI image: a static binary, CA certificates and a POSIX
# shell (GitLab Runner runs job scripts with sh), nothing else.
#
# Bases are build arguments so an offline build can substitute local images
# (see internal/imagetest); the defaults are the images GitLab CI pulls.
ARG GO_IMAGE=golang:1.26.8-bookworm
ARG BASE_IMAGE=busybox:1.37.0-musl

FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build
ARG TARGETOS=linux
ARG TARGETARCH=amd64
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY internal ./internal
# Cross-compiled: no emulation is needed for linux/arm64.
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -buildvcs=false -ldflags "-s -w -X main.version=${VERSION}" \
    -o /out/heroku-deploy ./cmd/heroku-deploy
# dpl and gem are the same binary, which answers to the name it is called
# by: a job written for dpl runs with only its image changed. The links are
# made here, where the build platform runs, and copied as links.
RUN ln -s heroku-deploy /out/dpl && ln -s heroku-deploy /out/gem

FROM ${BASE_IMAGE}
ARG VERSION=dev
ARG REVISION=unknown
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/ /usr/local/bin/
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
LABEL org.opencontainers.image.title="heroku-deploy" \
      org.opencontainers.image.description="Deploy to Heroku from GitLab CI through the Platform API" \
      org.opencontainers.image.source="https://gitlab.com/heroku-deploy/heroku" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# No ENTRYPOINT: the runner's "sh -c <script>" must reach a shell.
CMD ["heroku-deploy", "--help"]
