using System.Globalization;
using System.Runtime.InteropServices;

namespace VisionR1.Runtime;

/// <summary>
/// The process's resident memory and its high-water mark on Linux (<c>/proc/self/status</c> VmRSS and VmHWM), with
/// the mark reset through <c>/proc/self/clear_refs</c>, for measuring the peak of one piece of work. To make the resident
/// size follow the bytes tensors hold, <see cref="MapLargeBlocks"/> makes glibc give every block above 64 KiB its own
/// mapping, returned to the system when freed (the opposite of <see cref="NativeAllocator.KeepFreedMemory"/>): a
/// measurement then sees tensor memory, not what the allocator kept from earlier steps.
/// </summary>
public static class ResidentMemory
{
    private const int TrimThreshold = -1;   // M_TRIM_THRESHOLD
    private const int MmapThreshold = -3;   // M_MMAP_THRESHOLD
    private const int LargeBlockBytes = 64 << 10;

    /// <summary>Whether the resident size and its peak can be read and reset here (Linux with a writable clear_refs).</summary>
    public static bool Supported => OperatingSystem.IsLinux() && File.Exists("/proc/self/status");

    /// <summary>Resident bytes now.</summary>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    public static long CurrentBytes => ReadStatus("VmRSS:");

    /// <summary>The most resident bytes since the process started or <see cref="ResetPeak"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    public static long PeakBytes => ReadStatus("VmHWM:");

    /// <summary>Sets the high-water mark to the current resident size.</summary>
    /// <exception cref="PlatformNotSupportedException">Not on Linux, or the kernel refused the reset.</exception>
    public static void ResetPeak()
    {
        if (!Supported) throw new PlatformNotSupportedException("Resetting the resident-memory peak needs Linux's /proc/self/clear_refs.");
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PlatformNotSupportedException($"/proc/self/clear_refs refused the peak reset ({e.Message}).", e);
        }
    }

    /// <summary>
    /// With glibc, serves every allocation above 64 KiB from its own mapping and trims freed heap space above 128 KiB,
    /// so freed tensors leave the resident size at once. Returns whether the settings were applied. Process-wide;
    /// slows allocation-heavy work (a page fault per fresh page), so use it for measurements only.
    /// </summary>
    public static bool MapLargeBlocks()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return MallOpt(MmapThreshold, LargeBlockBytes) == 1 && MallOpt(TrimThreshold, 2 * LargeBlockBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static long ReadStatus(string field)
    {
        if (!Supported) throw new PlatformNotSupportedException("Resident memory is read from Linux's /proc/self/status.");
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            var parts = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024; // kB
        }
        throw new PlatformNotSupportedException($"/proc/self/status has no {field} line.");
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);
}
