# Uplift in a container: a static binary (the SQLite driver is pure Go,
# so no C toolchain and no libc), run as a non-root user in a minimal
# image, with the SQLite database on the /data volume.
#
#   docker build -t uplift .
#   docker run -p 8080:8080 -v uplift-data:/data \
#     -e UPLIFT_PUBLIC_URL=https://auth.example.com uplift
#
# For PostgreSQL set UPLIFT_DATABASE_URL=postgres://... and leave /data
# unused. The image has no shell and no curl: probe GET /healthz and
# GET /readyz from the orchestrator (see docs/operations.md).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/uplift ./cmd/uplift
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/uplift /usr/local/bin/uplift
# distroless's nonroot user: 65532. The database files are private to it.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV UPLIFT_ADDR=:8080 \
    UPLIFT_DATABASE_URL=sqlite:///data/uplift.db
VOLUME /data
EXPOSE 8080
# SIGTERM lets requests in flight finish (up to 15 s) before it exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/uplift"]
CMD ["serve"]
