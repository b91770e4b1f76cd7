using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace VisionR1.Runtime;

/// <summary>The CPU's vector and bf16-related features, as the operating system lists them (for reports; decisions are measured).</summary>
public static class CpuFeatures
{
    private static readonly string[] Interesting = ["avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "bf16", "asimd", "sve"];

    /// <summary>
    /// The interesting flags of the first processor in <c>/proc/cpuinfo</c> on Linux (x86-64 "flags", arm64 "Features"),
    /// e.g. "avx2 fma avx512f avx512_bf16"; elsewhere what .NET's intrinsics report (x86: avx2/fma/avx512f only); "" if unknown.
    /// </summary>
    public static string Describe()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
            {
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (!(line.StartsWith("flags", StringComparison.Ordinal) || line.StartsWith("Features", StringComparison.Ordinal))) continue;
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon < 0) continue;
                    var flags = new HashSet<string>(line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
                    return string.Join(' ', Interesting.Where(flags.Contains));
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        if (RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86)
        {
            var list = new List<string>();
            if (Avx2.IsSupported) list.Add("avx2");
            if (Fma.IsSupported) list.Add("fma");
            if (Avx512F.IsSupported) list.Add("avx512f");
            return string.Join(' ', list);
        }
        return "";
    }
}
