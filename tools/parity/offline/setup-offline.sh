#!/usr/bin/env bash
# Prepares a Python path on which transformers' source runs without PyPI (the parity references of
# this repository were written this way): Debian's python3-torch, transformers' and huggingface_hub's
# source trees, and the stand-ins in this folder for the two compiled packages transformers imports
# (a pure-Python safetensors reader/writer; a tokenizers placeholder, as the harness never tokenizes).
#
#   tools/parity/offline/setup-offline.sh TRANSFORMERS_SRC HUB_SRC HUB_VERSION OUT_DIR
#   export PYTHONPATH=TRANSFORMERS_SRC:HUB_SRC:OUT_DIR
#
# TRANSFORMERS_SRC and HUB_SRC are the src/ folders of transformers and huggingface_hub checkouts;
# HUB_VERSION is the huggingface_hub version that transformers' dependency table asks for.
set -euo pipefail
[ $# -eq 4 ] || { sed -n '2,13p' "$0"; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
out=$4
mkdir -p "$out"
cp -r "$here/safetensors" "$here/tokenizers" "$here/sitecustomize.py" "$out/"
dist() { mkdir -p "$out/$1-$2.dist-info"; printf 'Metadata-Version: 2.1\nName: %s\nVersion: %s\n' "$1" "$2" > "$out/$1-$2.dist-info/METADATA"; }
dist huggingface_hub "$3"
# The lowest version transformers' dependency table accepts for each stand-in.
lowest() { python3 - "$1/transformers/dependency_versions_table.py" "$2" <<'PY'
import re, sys
table = open(sys.argv[1]).read()
spec = re.search(r'"%s": "[^"]*?(?:==|>=)([0-9][0-9.a-z]*)' % re.escape(sys.argv[2]), table)
print(spec.group(1) if spec else "0.0.0")
PY
}
dist tokenizers "$(lowest "$1" tokenizers)"
dist safetensors "$(lowest "$1" safetensors)"
echo "export PYTHONPATH=$1:$2:$out"
