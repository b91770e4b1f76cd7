#!/usr/bin/env bash
# A throwaway console app OUTSIDE this repository (so none of the repository's MSBuild files
# apply) references the packed VisionR1.Core from a local folder plus the CPU backend, with an
# empty NuGet cache, builds, and runs a tensor operation. On Debian 12 this only works if the
# build step packed in VisionR1.Core (buildTransitive/) patched the output's libLibTorchSharp.so.
set -euo pipefail
packages=$(cd "$1" && pwd)
version=$(ls "$packages"/VisionR1.Core.*.nupkg | head -1 | sed -E 's/.*VisionR1\.Core\.(.*)\.nupkg/\1/')
work=$(mktemp -d /tmp/vr1-consumer-XXXXXX)
trap 'rm -rf "$work"' EXIT
export NUGET_PACKAGES="$work/nuget-cache"
mkdir -p "$work/app"
cd "$work/app"
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$packages" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
cat > Consumer.csproj <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="VisionR1.Core" Version="$version" />
    <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
  </ItemGroup>
</Project>
XML
cat > Program.cs <<'CS'
using VisionR1.Runtime;
using static TorchSharp.torch;

var report = VisionR1Runtime.Initialize("cpu");
Console.WriteLine(report);
using var a = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
using var c = a.matmul(a);
var values = c.data<float>().ToArray();
Console.WriteLine("consumer matmul: " + string.Join(",", values));
return values.SequenceEqual(new float[] { 7, 10, 15, 22 }) ? 0 : 1;
CS
dotnet build -c Release 2>&1 | tee build.log | grep -E "VisionR1:|error|Build succeeded" || true
grep -q "Build succeeded" build.log || { cat build.log; exit 1; }
dotnet run -c Release --no-build
echo "ci: consumer check passed (VisionR1.Core $version from a local folder, empty NuGet cache)"
