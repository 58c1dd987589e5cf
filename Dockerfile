# syntax=docker/dockerfile:1
# One image recipe for every host of the platform: the build argument PROJECT picks the host, PORT where it listens.
# Build from the repository root (the build needs the central props and the other services' projects), e.g.
#   docker build -t platform/valuation --build-arg PROJECT=services/valuation/Valuation.Api/Valuation.Api.csproj \
#     --build-arg PORT=5101 --build-arg TITLE=platform-valuation --build-arg VERSION=1.2.3 --build-arg REVISION=$(git rev-parse HEAD) .
# The four images and their arguments: docs/deploy.md ("Images") and the release workflow's matrix. Without arguments it
# builds the all-in-one host (`platform serve` on 5080). In Kubernetes the Dapr injector adds the apps' sidecars.

# Build: the SDK on the same Ubuntu release as the runtime, so the TorchSharp libstdc++ check of Directory.Build.targets
# (build/WeakenGlibcxxRequirement.cs) looks at the libstdc++ the image will run with; the natives are linux-x64 only.
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
ARG PROJECT=services/platform/Platform.csproj
ARG VERSION=0.0.0-local
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY services/ services/
RUN dotnet restore "$PROJECT" -r linux-x64
# The entry point names the project's assembly, asked of MSBuild, so no argument has to repeat it.
RUN dotnet publish "$PROJECT" --no-restore -c Release -r linux-x64 --self-contained false \
    -p:UseAppHost=false -p:Version=${VERSION} -o /app/publish \
    && printf 'exec dotnet /app/%s.dll "$@"\n' "$(dotnet msbuild "$PROJECT" -nologo -getProperty:AssemblyName)" > /app/publish/entrypoint.sh

# Runtime: ASP.NET Core only, no SDK. Root filesystem may be read-only: the writable paths are the volumes below.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble AS runtime
ARG PORT=5080
ARG TITLE=platform
ARG VERSION=0.0.0-local
ARG REVISION=unknown
ARG SOURCE=https://github.com/platform/platform
LABEL org.opencontainers.image.title="${TITLE}" \
      org.opencontainers.image.description="Property intelligence platform: ${TITLE} (docs/deploy.md)." \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}"
# LightGBM (ML.NET) and libtorch load OpenMP at run time; the base image does not ship it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/publish .
# ASPNETCORE_HTTP_PORTS: every interface on PORT (the apps read it, `platform serve` too). The hosts start in
# /var/lib/platform (the all-in-one host's .platform/ lands there) with their content root, appsettings.json, in /app.
# /tmp: .NET diagnostics and font caches; /var/lib/platform: embedded-mode data (artifacts, vector snapshots).
ENV ASPNETCORE_HTTP_PORTS=${PORT} \
    ASPNETCORE_CONTENTROOT=/app \
    TMPDIR=/tmp \
    XDG_CACHE_HOME=/tmp/.cache \
    Platform__Embedded__ArtifactsPath=/var/lib/platform/artifacts \
    VectorIndex__Embedded__DataDirectory=/var/lib/platform/vectors
RUN mkdir -p /var/lib/platform && chown $APP_UID /var/lib/platform
VOLUME ["/tmp", "/var/lib/platform"]
WORKDIR /var/lib/platform
EXPOSE ${PORT}
USER $APP_UID
# Liveness, as Kubernetes probes it; bash's /dev/tcp keeps curl out of the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${ASPNETCORE_HTTP_PORTS} && printf 'GET /health HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# bash execs dotnet, so dotnet is PID 1 and gets the signals; arguments (a verb of the all-in-one host) pass through.
ENTRYPOINT ["bash", "/app/entrypoint.sh"]
