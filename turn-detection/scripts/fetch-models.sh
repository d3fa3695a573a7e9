#!/usr/bin/env bash
# Brings the two ONNX models this module ships into its resources, from the pipecat-ai wheel on
# PyPI (the only place this project's machines may download them from), and checks their SHA-256.
# The files are committed: users get them from the Maven jar and never run this. Run it only to
# re-check the committed files or to move to another pipecat-ai release (then update the sums).
#
#   turn-detection/scripts/fetch-models.sh [--check]   # --check: compare only, write nothing
set -euo pipefail
PIPECAT_VERSION=1.14.0
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/src/main/resources/dev/audiopipeline/turn/models"
declare -A FILES=(
  [silero_vad.onnx]="pipecat/audio/vad/data/silero_vad.onnx"
  [smart-turn-v3.2-cpu.onnx]="pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx"
)
declare -A SHA256=(
  [silero_vad.onnx]=1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3
  [smart-turn-v3.2-cpu.onnx]=2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f
)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --dest "$work" "pipecat-ai==$PIPECAT_VERSION"
wheel="$(ls "$work"/pipecat_ai-*.whl)"
status=0
for name in "${!FILES[@]}"; do
  unzip -q -o -j "$wheel" "${FILES[$name]}" -d "$work/x"
  sum="$(sha256sum "$work/x/$name" | cut -d' ' -f1)"
  if [[ "$sum" != "${SHA256[$name]}" ]]; then
    echo "fetch-models: $name from pipecat-ai $PIPECAT_VERSION has SHA-256 $sum, expected ${SHA256[$name]}" >&2
    status=1
    continue
  fi
  if [[ "${1:-}" == "--check" ]]; then
    cmp -s "$work/x/$name" "$dest/$name" || { echo "fetch-models: committed $name differs" >&2; status=1; }
  else
    cp "$work/x/$name" "$dest/$name"
  fi
  echo "fetch-models: $name ok ($sum)"
done
exit $status
