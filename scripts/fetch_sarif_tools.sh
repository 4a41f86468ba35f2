#!/usr/bin/env bash
# Fetch Microsoft's SARIF 2.1.0 schema and validator (Sarif.Multitool) for the gate tests:
#   bash scripts/fetch_sarif_tools.sh
# Both ship in the npm package @microsoft/sarif-multitool-linux (no PyPI package has them).
# The tarball lands in .cache/sarif/ (gitignored), its sha512 checked against the pin below,
# and is unpacked to .cache/sarif/package/{sarif-2.1.0.json,Sarif.Multitool}.
# Nothing happens when both are already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="@microsoft/sarif-multitool-linux"
VERSION="5.7.0"
# `npm view @microsoft/sarif-multitool-linux@5.7.0 dist.integrity` is
# sha512-NxUbpq6ISCWoTQ/NfOYEwEDKq1Heka/rMoJ5R5LMydcAZQX/X7g5mWHcgxDub+0M07LC96tZ5LZHvF1Qy3gjTA==
# which is this digest in hex (checked with coreutils' sha512sum: no openssl needed).
SHA512="37151ba6ae884825a84d0fcd7ce604c040caab51de91afeb3282794792ccc9d7006505ff5fb8399961dc8310ee6fed0cd3b2c2f7ab59e4b647bc5d50cb78234c"
DEST=".cache/sarif"
TARBALL="$DEST/microsoft-sarif-multitool-linux-$VERSION.tgz"

if [ -f "$DEST/package/sarif-2.1.0.json" ] && [ -x "$DEST/package/Sarif.Multitool" ]; then
    exit 0
fi
command -v npm >/dev/null || { echo "fetch_sarif_tools: npm not found" >&2; exit 1; }

mkdir -p "$DEST"
if [ ! -f "$TARBALL" ]; then
    npm pack --silent --pack-destination "$DEST" "$PACKAGE@$VERSION" >/dev/null
fi

if ! echo "$SHA512  $TARBALL" | sha512sum --check --status; then
    echo "fetch_sarif_tools: integrity mismatch for $TARBALL (removed)" >&2
    rm -f "$TARBALL"
    exit 1
fi

# Unpack beside, then swap in: an interrupted run never leaves a half-unpacked package/.
rm -rf "$DEST/package" "$DEST/unpack"
mkdir "$DEST/unpack"
tar -xzf "$TARBALL" -C "$DEST/unpack"
chmod +x "$DEST/unpack/package/Sarif.Multitool"
mv "$DEST/unpack/package" "$DEST/package"
rmdir "$DEST/unpack"
echo "fetch_sarif_tools: $PACKAGE@$VERSION in $DEST/package"
