using System.Runtime.InteropServices;

namespace VisionR1.Runtime;

/// <summary>
/// How glibc's <c>malloc</c>, which libtorch uses for every CPU tensor, hands memory back to the system.
/// By default a freed block above the mmap threshold (128 KiB at start, raised by frees up to 32 MiB) is
/// unmapped at once and free space at the top of the heap is trimmed, so a training step that frees its
/// activations and allocates them again next step takes fresh pages from the kernel every time (a page
/// fault and a zero fill per 4 KiB). <see cref="KeepFreedMemory"/> raises both thresholds so freed tensor
/// memory stays in the process for the next step. The cost: the resident size stays at its peak.
/// </summary>
public static class NativeAllocator
{
    // mallopt parameter numbers from glibc's malloc.h.
    private const int TrimThreshold = -1;   // M_TRIM_THRESHOLD
    private const int MmapThreshold = -3;   // M_MMAP_THRESHOLD

    /// <summary>Blocks below this size come from the heap instead of their own mapping (glibc's ceiling for the setting on 64-bit).</summary>
    public const int MmapThresholdBytes = 32 << 20;

    /// <summary>Free memory at the heap's top is returned to the system only above this size.</summary>
    public const int TrimThresholdBytes = 1 << 30;

    /// <summary>The same two settings as a <c>GLIBC_TUNABLES</c> value, for child processes (glibc reads it at process start).</summary>
    public const string GlibcTunables = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824";

    /// <summary>
    /// On Linux with glibc, keeps freed blocks up to <see cref="MmapThresholdBytes"/> in the heap and trims it only
    /// above <see cref="TrimThresholdBytes"/> of free space. Returns whether both settings were applied (false on
    /// other systems and C libraries, where nothing changes). Process-wide; call it once at start-up.
    /// </summary>
    public static bool KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            Applied = MallOpt(MmapThreshold, MmapThresholdBytes) == 1 && MallOpt(TrimThreshold, TrimThresholdBytes) == 1;
            return Applied;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // musl and other C libraries without mallopt
        }
    }

    /// <summary>Whether <see cref="KeepFreedMemory"/> has applied its settings in this process.</summary>
    public static bool Applied { get; private set; }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);
}
