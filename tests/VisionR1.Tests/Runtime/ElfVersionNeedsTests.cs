using System.Runtime.InteropServices;
using VisionR1.Runtime;

namespace VisionR1.Tests.Runtime;

public sealed class ElfVersionNeedsTests
{
    private static string OutputBridge() =>
        new[] { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native") }
            .Select(d => Path.Combine(d, "libLibTorchSharp.so")).First(File.Exists);

    private static string CacheBridge()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    [Fact]
    public void Shipped_library_has_a_strong_need_and_the_output_copy_matches_the_system()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        var shipped = ElfVersionNeeds.Inspect(File.ReadAllBytes(CacheBridge()), ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.TorchSharpGlibcxxVersion);
        Assert.Equal(ElfPatchOutcome.Strong, shipped.Outcome); // the NuGet cache is never written
        var output = ElfVersionNeeds.Inspect(File.ReadAllBytes(OutputBridge()), ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.TorchSharpGlibcxxVersion);
        bool? systemHas = ElfVersionNeeds.SystemLibStdCxxHasVersion(ElfVersionNeeds.TorchSharpGlibcxxVersion, out _);
        Assert.Equal(systemHas == false ? ElfPatchOutcome.AlreadyWeak : ElfPatchOutcome.Strong, output.Outcome);
    }

    [Fact]
    public void Marking_weak_changes_exactly_one_flag_and_is_idempotent()
    {
        if (!File.Exists(CacheBridge())) return;
        var original = File.ReadAllBytes(CacheBridge());
        var image = (byte[])original.Clone();
        var first = ElfVersionNeeds.MarkWeak(image, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.TorchSharpGlibcxxVersion);
        Assert.Equal(ElfPatchOutcome.Patched, first.Outcome);
        var changed = Enumerable.Range(0, image.Length).Where(i => image[i] != original[i]).ToList();
        Assert.Single(changed);
        Assert.Equal(original[changed[0]] | 2, image[changed[0]]);
        var second = ElfVersionNeeds.MarkWeak(image, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.TorchSharpGlibcxxVersion);
        Assert.Equal(ElfPatchOutcome.AlreadyWeak, second.Outcome);
        Assert.Equal(ElfPatchOutcome.NotNeeded, ElfVersionNeeds.Inspect(image, ElfVersionNeeds.LibStdCxx, "GLIBCXX_9.9.9").Outcome);
    }

    [Fact]
    public void Patching_a_file_replaces_it_and_leaves_a_hard_linked_original_alone()
    {
        if (!File.Exists(CacheBridge()) || !RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return;
        var dir = Directory.CreateTempSubdirectory("vr1-elf-");
        try
        {
            var original = Path.Combine(dir.FullName, "original.so");
            File.Copy(CacheBridge(), original);
            var linked = Path.Combine(dir.FullName, "linked.so");
            Assert.Equal(0, link(original, linked));
            var result = ElfVersionNeeds.MarkWeakInFile(linked, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.TorchSharpGlibcxxVersion);
            Assert.Equal(ElfPatchOutcome.Patched, result.Outcome);
            Assert.Equal(ElfPatchOutcome.Strong, ElfVersionNeeds.Inspect(File.ReadAllBytes(original), ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.TorchSharpGlibcxxVersion).Outcome);
            Assert.Equal(ElfPatchOutcome.AlreadyWeak, ElfVersionNeeds.Inspect(File.ReadAllBytes(linked), ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.TorchSharpGlibcxxVersion).Outcome);
            Assert.Single(Directory.GetFiles(dir.FullName, "*.tmp").Concat(Directory.GetFiles(dir.FullName)).Where(f => f.EndsWith(".tmp", StringComparison.Ordinal)).DefaultIfEmpty("none"));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(63)]
    [InlineData(4096)]
    public void Truncated_or_foreign_files_are_unexpected_and_untouched(int length)
    {
        var source = File.Exists(CacheBridge()) ? File.ReadAllBytes(CacheBridge()) : new byte[8192];
        var image = source.Take(length).ToArray();
        var copy = (byte[])image.Clone();
        var result = ElfVersionNeeds.MarkWeak(image, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.TorchSharpGlibcxxVersion);
        Assert.Equal(ElfPatchOutcome.Unexpected, result.Outcome);
        Assert.Equal(copy, image);
    }

    [Fact]
    public void Corrupted_section_table_offsets_are_rejected_not_followed()
    {
        if (!File.Exists(CacheBridge())) return;
        var image = File.ReadAllBytes(CacheBridge());
        BitConverter.GetBytes((ulong)image.Length - 10).CopyTo(image, 0x28); // e_shoff near the end
        var copy = (byte[])image.Clone();
        var result = ElfVersionNeeds.MarkWeak(image, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.TorchSharpGlibcxxVersion);
        Assert.Equal(ElfPatchOutcome.Unexpected, result.Outcome);
        Assert.Contains("past the end", result.Detail);
        Assert.Equal(copy, image);

        var random = new byte[100_000];
        new Random(5).NextBytes(random);
        "\u007fELF"u8.ToArray().CopyTo(random, 0);
        random[4] = 2;
        random[5] = 1;
        for (int seed = 0; seed < 200; seed++)
        {
            new Random(seed).NextBytes(random.AsSpan(6, 90));
            var r = ElfVersionNeeds.Inspect(random, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.TorchSharpGlibcxxVersion);
            Assert.NotEqual(ElfPatchOutcome.Patched, r.Outcome);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int link(string oldpath, string newpath);
}
