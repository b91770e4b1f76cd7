#!/usr/bin/env bash
# Builds samples/VisionR1.CustomReward as a NuGet user would (the packed packages from artifacts/packages,
# none of the repository's MSBuild files), runs it on a small JSONL file with images and a tiny model for
# a few GRPO steps, and checks that README's "Use the library" block is the sample's code, at most 60 lines.
set -euo pipefail
cd "$(dirname "$0")/.."
sample=samples/VisionR1.CustomReward
test -n "$(ls artifacts/packages/VisionR1.Grpo.*.nupkg 2>/dev/null)" || { echo "ci: pack first (artifacts/packages)"; exit 1; }

# README's block and the sample's code between the snippet markers must be the same text.
code=$(sed -n '/\/\/ <snippet:custom-reward>/,/\/\/ <\/snippet:custom-reward>/p' $sample/Program.cs | sed '1d;$d')
readme=$(sed -n '/<!-- snippet:custom-reward/,/<!-- \/snippet:custom-reward -->/p' README.md | sed '1,2d' | sed '$d' | sed '$d')
if [ "$code" != "$readme" ]; then
  diff <(echo "$code") <(echo "$readme") || true
  echo "ci: README's custom-reward snippet differs from $sample/Program.cs"; exit 1
fi
lines=$(grep -c '' $sample/Program.cs)
[ "$lines" -le 60 ] || { echo "ci: $sample/Program.cs has $lines lines (at most 60)"; exit 1; }

# The NuGet cache may hold an older build of the same version; the packages just packed must be used.
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
rm -rf "$cache/visionr1.core" "$cache/visionr1.grpo" "$cache/visionr1.data" $sample/bin $sample/obj
dotnet build $sample -c Release 2>&1 | tee /tmp/vr1-custom-reward-build.log | grep -E "error|Build succeeded" || true
grep -q "Build succeeded" /tmp/vr1-custom-reward-build.log || { cat /tmp/vr1-custom-reward-build.log; exit 1; }
grep -q '"VisionR1.Grpo/' $sample/obj/project.assets.json && ! grep -q '"type": "project"' $sample/obj/project.assets.json \
  || { echo "ci: $sample did not restore VisionR1 as packages"; exit 1; }

work=$(mktemp -d /tmp/vr1-custom-reward-XXXXXX)
trap 'rm -rf "$work"' EXIT
# The user's data: a JSONL file with PNG images next to it (written here by the sample trainer's world generator).
dotnet run --project samples/VisionR1.Trainer -c Release --no-build -- world --out "$work/data" --train 6 --test 0 --size 56 > /dev/null
t0=$(date +%s)
dotnet run --project $sample -c Release --no-build -- "$work/data/train.jsonl" "$work/run" | tee "$work/out.txt"
t1=$(date +%s)
grep -q "custom-reward: 4 steps, finished: True" "$work/out.txt" || { echo "ci: the custom-reward sample did not finish its schedule"; exit 1; }
test -d "$work/run/checkpoints/step-00000004" || { echo "ci: the run wrote no final checkpoint"; exit 1; }
echo "ci: custom-reward sample built from the packed packages and ran 4 GRPO steps in $((t1 - t0)) s ($lines lines of user code)"
