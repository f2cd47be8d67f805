# Homegate container image. Build from the repository root:
#   docker build -t homegate .
# Operator guide: docs/docker.md.

ARG DOTNET_VERSION=10.0

# ---- build ---------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src

# Restore in its own layer: it only reruns when a project or package file changes.
COPY Homegate.sln Directory.Build.props Directory.Packages.props ./
COPY src/Homegate.Verification/Homegate.Verification.csproj src/Homegate.Verification/
COPY src/Homegate.Gateway/Homegate.Gateway.csproj src/Homegate.Gateway/
RUN dotnet restore src/Homegate.Gateway/Homegate.Gateway.csproj

COPY src/ src/
RUN dotnet publish src/Homegate.Gateway/Homegate.Gateway.csproj -c Release -o /app --no-restore

# ---- runtime -------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime

# No system packages: libsodium (Ed25519, BLAKE2b, Argon2id) ships inside the NSec.Cryptography
# package as a native asset of the published output.

# /data holds the permit signing key and pepper.txt. It must belong to the runtime user before
# VOLUME: a new named volume is seeded with this directory's ownership and mode.
# /app/config -> /etc/homegate: homegate looks for config/homegate.json in its working directory
# when no --config is given, so `docker compose run --rm homegate invite` finds the same file.
RUN mkdir -p /data /etc/homegate /app \
    && chown "$APP_UID:$APP_UID" /data \
    && chmod 0700 /data \
    && ln -s /etc/homegate /app/config

WORKDIR /app
COPY --from=build /app ./
# A default configuration; docker-compose.yml mounts deploy/homegate/ over /etc/homegate.
COPY config/homegate.json /etc/homegate/homegate.json

# ASPNETCORE_HTTP_PORTS is emptied so the image's default does not compete with ASPNETCORE_URLS.
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_HTTP_PORTS= \
    Homegate__DataDir=/data \
    DOTNET_NOLOGO=1

VOLUME ["/data"]
EXPOSE 8080

# The aspnet images ship the non-root user `app`; APP_UID is its numeric id (1654).
USER $APP_UID

# The runtime image has neither curl nor wget; bash's /dev/tcp speaks enough HTTP for a probe
# without adding a package. Liveness only: readiness (/healthz/ready) fails while PostgreSQL is
# down, and an orchestrator that restarts unhealthy containers would then restart a healthy process.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz/live HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["./homegate"]
CMD ["serve", "--config", "/etc/homegate/homegate.json"]
