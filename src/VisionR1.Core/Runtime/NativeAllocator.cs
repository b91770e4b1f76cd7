using System.Runtime.InteropServices;
using System.Text;

namespace VisionR1.Runtime;

/// <summary>
/// How glibc's <c>malloc</c>, which libtorch uses for every CPU tensor, hands memory back to the system.
/// By default a freed block above the mmap threshold (128 KiB at start, raised by frees up to 32 MiB) is
/// unmapped at once and free space at the top of the heap is trimmed, so a training step that frees its
/// activations and allocates them again next step takes fresh pages from the kernel every time (a page
/// fault and a zero fill per 4 KiB). <see cref="KeepFreedMemory"/> raises both thresholds so freed tensor
/// memory stays in the process for the next step. The cost: the resident size stays at its peak.
/// <para>
/// Even so, glibc spends a large share of a small model's step finding blocks in its free lists (<c>_int_malloc</c>).
/// tcmalloc serves the same requests from per-size free lists, and small-model training steps run markedly faster with
/// it (docs/performance.md gives the figures). A
/// malloc can only be replaced before the process starts (<c>LD_PRELOAD</c>), so <see cref="PreferTcmalloc"/> restarts
/// the process in place (<c>execve</c>, same process id, arguments, standard streams and environment) with tcmalloc
/// preloaded when the system has it (Debian and Ubuntu: <c>libtcmalloc-minimal4</c>; Fedora: <c>gperftools-libs</c>).
/// </para>
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

    /// <summary>
    /// The environment variable that chooses the allocator <see cref="PreferTcmalloc"/> restarts with: unset or "auto"
    /// (tcmalloc when found), "glibc" (no restart), or the path of an allocator library to preload.
    /// </summary>
    public const string ChoiceVariable = "VR1_ALLOCATOR";

    /// <summary>Set on the restarted process, so that a preload the dynamic loader ignored does not restart it again.</summary>
    public const string RestartedVariable = "VR1_ALLOCATOR_RESTARTED";

    /// <summary>File names of tcmalloc, the minimal build first (gperftools).</summary>
    public static IReadOnlyList<string> TcmallocFileNames { get; } = ["libtcmalloc_minimal.so.4", "libtcmalloc.so.4"];

    /// <summary>Where <see cref="FindTcmalloc"/> looks, in order: the library folders of Debian/Ubuntu (per architecture), Fedora and /usr/local.</summary>
    public static IReadOnlyList<string> LibraryDirectories { get; } =
    [
        "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
        "/usr/lib64", "/usr/lib", "/usr/local/lib64", "/usr/local/lib",
    ];

    /// <summary>The first tcmalloc library found in <paramref name="directories"/> (default <see cref="LibraryDirectories"/>), or null.</summary>
    public static string? FindTcmalloc(IEnumerable<string>? directories = null)
    {
        foreach (var directory in directories ?? LibraryDirectories)
            foreach (var name in TcmallocFileNames)
            {
                var path = Path.Combine(directory, name);
                if (File.Exists(path)) return path;
            }
        return null;
    }

    /// <summary>
    /// The path of a malloc replacement (tcmalloc, jemalloc or mimalloc) mapped into this process, read from
    /// <c>/proc/self/maps</c>; null when there is none or the file cannot be read (then glibc's malloc serves libtorch).
    /// </summary>
    public static string? LoadedReplacement() =>
        MappedFiles().FirstOrDefault(path => Path.GetFileName(path) is var name
            && (name.StartsWith("libtcmalloc", StringComparison.Ordinal) || name.StartsWith("libjemalloc", StringComparison.Ordinal)
                || name.StartsWith("libmimalloc", StringComparison.Ordinal)));

    /// <summary>The files mapped into this process (<c>/proc/self/maps</c>); none where it cannot be read.</summary>
    private static IEnumerable<string> MappedFiles()
    {
        if (!OperatingSystem.IsLinux()) return [];
        try
        {
            return File.ReadAllLines("/proc/self/maps")
                .Select(line => line.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? line[slash..] : null)
                .OfType<string>()
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private const string RestartReason = "preloaded by PreferTcmalloc's restart";

    /// <summary>What <see cref="PreferTcmalloc"/> decided, for the run's first lines and reports.</summary>
    public static AllocatorChoice? Choice { get; private set; }

    /// <summary>
    /// Makes libtorch's allocations go through tcmalloc where the system has it: when no malloc replacement is loaded yet,
    /// <see cref="ChoiceVariable"/> does not say "glibc", and a library is found (<see cref="FindTcmalloc"/>, or the path the
    /// variable gives), replaces this process with itself, started again with the library in <c>LD_PRELOAD</c> (the same
    /// executable, arguments, environment, process id and standard streams). It returns only when it does not restart
    /// (other systems, glibc chosen, nothing found, the restart already tried, or <c>execve</c> failed); the returned
    /// choice says which allocator serves the process and why. Call it first in <c>Main</c>, before any other work
    /// (anything done before it is done twice).
    /// </summary>
    public static AllocatorChoice PreferTcmalloc()
    {
        Choice = Decide();
        return Choice;
    }

    private static AllocatorChoice Decide()
    {
        if (!OperatingSystem.IsLinux()) return new AllocatorChoice("system", null, "not Linux: the system's malloc");
        if (LoadedReplacement() is { } loaded)
            return new AllocatorChoice(AllocatorName(loaded), loaded, Environment.GetEnvironmentVariable(RestartedVariable) == "1" ? RestartReason : "preloaded");
        var wanted = Environment.GetEnvironmentVariable(ChoiceVariable);
        if (string.Equals(wanted, "glibc", StringComparison.OrdinalIgnoreCase))
            return new AllocatorChoice("glibc", null, $"{ChoiceVariable}=glibc");
        string? library;
        if (!string.IsNullOrEmpty(wanted) && !string.Equals(wanted, "auto", StringComparison.OrdinalIgnoreCase))
        {
            if (!File.Exists(wanted))
                return new AllocatorChoice("glibc", null, $"{ChoiceVariable}={wanted}: no such file");
            library = Path.GetFullPath(wanted);
        }
        else if ((library = FindTcmalloc()) is null)
            return new AllocatorChoice("glibc", null, "no tcmalloc found (install libtcmalloc-minimal4 or gperftools-libs for about 1.35x faster small-model steps)");
        if (Environment.GetEnvironmentVariable(RestartedVariable) == "1")
        {
            // A library of another name (VR1_ALLOCATOR=/path) is recognised by its mapping.
            var target = new FileInfo(library).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? library;
            return MappedFiles().Contains(target, StringComparer.Ordinal)
                ? new AllocatorChoice(Path.GetFileName(target), target, RestartReason)
                : new AllocatorChoice("glibc", null, $"restarted with LD_PRELOAD={library}, but the dynamic loader did not load it");
        }
        return Restart(library);
    }

    private static AllocatorChoice Restart(string library)
    {
        string executable;
        List<string> arguments;
        try
        {
            executable = new FileInfo("/proc/self/exe").LinkTarget ?? throw new IOException("/proc/self/exe has no target");
            var raw = File.ReadAllBytes("/proc/self/cmdline");
            int length = raw.Length > 0 && raw[^1] == 0 ? raw.Length - 1 : raw.Length; // each argument ends with a NUL
            arguments = Encoding.UTF8.GetString(raw, 0, length).Split('\0').ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new AllocatorChoice("glibc", null, $"could not restart with {library}: {e.Message}");
        }
        var environment = new List<string>();
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (name is "LD_PRELOAD" or RestartedVariable) continue;
            environment.Add($"{name}={entry.Value}");
        }
        var preload = Environment.GetEnvironmentVariable("LD_PRELOAD");
        environment.Add($"LD_PRELOAD={library}{(string.IsNullOrEmpty(preload) ? "" : ":" + preload)}");
        environment.Add($"{RestartedVariable}=1");
        Console.Out.Flush();
        Console.Error.Flush();
        // Null-terminated arrays of UTF-8 strings; freed only when execve fails (on success the process image is replaced).
        var argv = ToNative(arguments);
        var envp = ToNative(environment);
        try
        {
            ExecVe(executable, argv, envp);
            return new AllocatorChoice("glibc", null, $"could not restart with {library}: execve failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            foreach (var p in argv.Concat(envp)) if (p != IntPtr.Zero) Marshal.FreeCoTaskMem(p);
        }
    }

    private static IntPtr[] ToNative(IReadOnlyList<string> strings)
    {
        var native = new IntPtr[strings.Count + 1];
        for (int i = 0; i < strings.Count; i++) native[i] = Marshal.StringToCoTaskMemUTF8(strings[i]);
        return native;
    }

    private static string AllocatorName(string path)
    {
        var name = Path.GetFileName(path);
        return name.StartsWith("libtcmalloc", StringComparison.Ordinal) ? "tcmalloc"
            : name.StartsWith("libjemalloc", StringComparison.Ordinal) ? "jemalloc" : "mimalloc";
    }

    /// <summary>One line for a run's start: the allocator in use and why, and whether glibc keeps freed memory.</summary>
    public static string Describe()
    {
        var choice = Choice ?? (LoadedReplacement() is { } loaded ? new AllocatorChoice(AllocatorName(loaded), loaded, "preloaded") : null);
        if (choice is not null && choice.Allocator is not ("glibc" or "system"))
            return $"allocator: {choice.Allocator} ({choice.Library}; {choice.Reason})";
        var reason = choice is null ? "" : $"; {choice.Reason}";
        return $"allocator: glibc, freed memory kept: {(Applied ? "yes" : "no")}{reason}";
    }

    [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static extern int ExecVe([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr[] argv, IntPtr[] envp);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);
}

/// <summary>Which allocator serves a process (<c>tcmalloc</c>, <c>jemalloc</c>, <c>mimalloc</c>, <c>glibc</c> or <c>system</c>), its library, and why.</summary>
public sealed record AllocatorChoice(string Allocator, string? Library, string Reason);
