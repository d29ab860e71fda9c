#!/usr/bin/env bash
# Bootstraps the build: restores the local Cake tool, then runs build.cake with the given arguments,
# e.g. ./build.sh --target=Test --configuration=Release
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet tool restore >/dev/null
exec dotnet cake build.cake "$@"
