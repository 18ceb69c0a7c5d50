#!/usr/bin/env bash
# Install DynamoDB Local (AWS's own emulator) into .cache/dynamodb-local/.
#
# The jar ships inside the npm package amplify-dynamodb-simulator (folder package/emulator/);
# `npm pack` fetches the tarball without installing anything. Idempotent: does nothing when the jar
# is already there. Atomic: extracts into a temporary folder and moves the result into place.
set -euo pipefail

VERSION="${DYNAMODB_SIMULATOR_VERSION:-2.9.30}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TARGET="${DYNAMODB_LOCAL_DIR:-$ROOT/.cache/dynamodb-local}"

if [[ -f "$TARGET/DynamoDBLocal.jar" ]]; then
  exit 0
fi

command -v npm >/dev/null || { echo "install_dynamodb_local: npm is required" >&2; exit 1; }
command -v java >/dev/null || echo "install_dynamodb_local: warning: java not found; DynamoDB Local needs Java 17+" >&2

mkdir -p "$(dirname "$TARGET")"
WORK="$(mktemp -d "$(dirname "$TARGET")/.dynamodb-local.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "install_dynamodb_local: fetching amplify-dynamodb-simulator@$VERSION" >&2
(cd "$WORK" && npm pack --silent "amplify-dynamodb-simulator@$VERSION" >/dev/null)
tar -xzf "$WORK"/amplify-dynamodb-simulator-*.tgz -C "$WORK"
[[ -f "$WORK/package/emulator/DynamoDBLocal.jar" ]] || {
  echo "install_dynamodb_local: package/emulator/DynamoDBLocal.jar missing from the tarball" >&2; exit 1; }

# Another install may have finished meanwhile: keep the first one.
if [[ ! -f "$TARGET/DynamoDBLocal.jar" ]]; then
  rm -rf "$TARGET"
  mv "$WORK/package/emulator" "$TARGET"
fi
echo "install_dynamodb_local: installed in $TARGET" >&2
