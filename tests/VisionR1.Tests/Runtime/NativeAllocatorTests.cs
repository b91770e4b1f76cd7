using System.Runtime.InteropServices;
using VisionR1.Runtime;

namespace VisionR1.Tests.Runtime;

public sealed class NativeAllocatorTests
{
    [Fact]
    public void Keeping_freed_memory_serves_an_8_MiB_block_from_the_heap_instead_of_its_own_mapping()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.True(NativeAllocator.KeepFreedMemory());

        // glibc's default would map a block this size on its own (above the 128 KiB starting threshold) and unmap it on free.
        const int size = 8 << 20;
        long mappedBefore = (long)MallInfo2().hblkhd;
        IntPtr block = Marshal.AllocHGlobal(size); // malloc on Unix
        try
        {
            Marshal.WriteByte(block, size - 1, 1);
            long mappedAfter = (long)MallInfo2().hblkhd;
            Assert.True(mappedAfter - mappedBefore < size, $"an {size}-byte block was given its own mapping ({mappedBefore} → {mappedAfter} mapped bytes)");
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }
        Assert.True((long)MallInfo2().fordblks >= size, "the freed block should stay in the heap's free lists");
    }

    [Fact]
    public void FindTcmalloc_takes_the_first_folder_that_has_it_and_the_minimal_build_first()
    {
        var root = Directory.CreateTempSubdirectory("vr1-alloc-");
        try
        {
            var empty = Directory.CreateDirectory(Path.Combine(root.FullName, "empty")).FullName;
            var full = Directory.CreateDirectory(Path.Combine(root.FullName, "full")).FullName;
            var both = Directory.CreateDirectory(Path.Combine(root.FullName, "both")).FullName;
            File.WriteAllText(Path.Combine(full, "libtcmalloc.so.4"), "");
            File.WriteAllText(Path.Combine(both, "libtcmalloc.so.4"), "");
            File.WriteAllText(Path.Combine(both, "libtcmalloc_minimal.so.4"), "");

            Assert.Null(NativeAllocator.FindTcmalloc([empty]));
            Assert.Equal(Path.Combine(full, "libtcmalloc.so.4"), NativeAllocator.FindTcmalloc([empty, full, both]));
            Assert.Equal(Path.Combine(both, "libtcmalloc_minimal.so.4"), NativeAllocator.FindTcmalloc([both, full]));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void Vr1_restarts_itself_with_tcmalloc_where_the_system_has_it_and_keeps_its_arguments()
    {
        if (!OperatingSystem.IsLinux()) return;
        var tcmalloc = NativeAllocator.FindTcmalloc();
        var (code, output) = RunVr1Info(null);
        Assert.True(code == 0, output);
        Assert.Contains("matmul 64x64 fp32", output); // the restarted process got the arguments
        if (tcmalloc is not null)
        {
            // /proc/self/maps names the file the link resolves to (libtcmalloc_minimal.so.4 -> ….so.4.5.10).
            var mapped = new FileInfo(tcmalloc).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? tcmalloc;
            Assert.Contains($"allocator: tcmalloc ({mapped}; preloaded by PreferTcmalloc's restart)", output);
        }
        else
            Assert.Contains("allocator: glibc, freed memory kept: yes; no tcmalloc found", output);
    }

    [Fact]
    public void Vr1_keeps_glibc_when_asked_and_names_a_missing_allocator_library()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (code, output) = RunVr1Info("glibc");
        Assert.True(code == 0, output);
        Assert.Contains("allocator: glibc, freed memory kept: yes; VR1_ALLOCATOR=glibc", output);

        var missing = Path.Combine(Path.GetTempPath(), "vr1-no-such-allocator", "libtcmalloc_minimal.so.4");
        (code, output) = RunVr1Info(missing);
        Assert.True(code == 0, output);
        Assert.Contains($"VR1_ALLOCATOR={missing}: no such file", output);
    }

    [Fact]
    public void Vr1_preloads_the_library_VR1_ALLOCATOR_names_and_says_so()
    {
        if (!OperatingSystem.IsLinux()) return;
        // Any shared library stands in for an allocator of another name: a copy of the libm this process has mapped.
        var libm = File.ReadLines("/proc/self/maps").Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..] : "")
            .FirstOrDefault(p => Path.GetFileName(p).StartsWith("libm.so", StringComparison.Ordinal));
        Assert.NotNull(libm);
        var dir = Directory.CreateTempSubdirectory("vr1-alloc-");
        try
        {
            var library = Path.Combine(dir.FullName, "libvr1-test-alloc.so");
            File.Copy(libm, library);
            var (code, output) = RunVr1Info(library);
            Assert.True(code == 0, output);
            Assert.Contains($"allocator: libvr1-test-alloc.so ({library}; preloaded by PreferTcmalloc's restart)", output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static (int Code, string Output) RunVr1Info(string? allocator)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vr1.dll"));
        foreach (var a in new[] { "info", "--size", "64", "--dtype", "fp32", "--threads", "1" }) start.ArgumentList.Add(a);
        start.Environment.Remove("LD_PRELOAD");
        start.Environment.Remove(NativeAllocator.RestartedVariable);
        if (allocator is null) start.Environment.Remove(NativeAllocator.ChoiceVariable);
        else start.Environment[NativeAllocator.ChoiceVariable] = allocator;
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "vr1 info did not finish in 2 minutes");
        return (process.ExitCode, stdout + stderr.Result);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo MallInfo2();
}
