using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionR1.Runtime;

/// <summary>What <see cref="VisionR1Runtime.Initialize"/> found: the device, libtorch and threads in use.</summary>
/// <param name="Device">The device tensors will be created on.</param>
/// <param name="TorchSharpVersion">The TorchSharp managed assembly version.</param>
/// <param name="LibTorchVersion">The libtorch version TorchSharp reports, or "unknown".</param>
/// <param name="Threads">Intra-op threads libtorch uses.</param>
/// <param name="InteropThreads">Inter-op threads libtorch uses.</param>
/// <param name="CudaAvailable">Whether a CUDA backend and device are present.</param>
/// <param name="CudaDeviceCount">Number of CUDA devices (0 without CUDA).</param>
/// <param name="Bf16Supported">Whether bf16 matrix products run on this device (checked by running one).</param>
/// <param name="NativeLibraryPatched">Whether the loaded libLibTorchSharp.so carries the weak GLIBCXX_3.4.32 fix.</param>
/// <param name="Precision">The precision resolved for this run, with both measured product rates and the reason.</param>
public sealed record RuntimeReport(
    Device Device,
    string TorchSharpVersion,
    string LibTorchVersion,
    int Threads,
    int InteropThreads,
    bool CudaAvailable,
    int CudaDeviceCount,
    bool Bf16Supported,
    bool NativeLibraryPatched,
    PrecisionChoice Precision)
{
    /// <summary>A one-paragraph summary for logs and the CLI.</summary>
    public override string ToString() =>
        $"device={Device.type.ToString().ToLowerInvariant()}{(Device.index >= 0 ? ":" + Device.index : "")} torchsharp={TorchSharpVersion} libtorch={LibTorchVersion} " +
        $"threads={Threads} interop_threads={InteropThreads} cuda={(CudaAvailable ? $"yes ({CudaDeviceCount} device(s))" : "no")} " +
        $"bf16={(Bf16Supported ? "runs" : "does not run")} native_fix={(NativeLibraryPatched ? "applied" : "not needed or not applied")}\n" +
        $"precision: {Precision.DtypeName} ({Precision.Reason})";
}

/// <summary>Thrown when TorchSharp's native runtime cannot be loaded; the message names the real cause and the fix.</summary>
public sealed class NativeRuntimeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NativeRuntimeException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// The entry point that loads TorchSharp's native runtime, applies thread settings and
/// reports what is in use. Call it once at start-up; later calls are cheap.
/// </summary>
public static class VisionR1Runtime
{
    private static readonly object Gate = new();
    private static RuntimeReport? _last;
    private static readonly Dictionary<string, (double Fp32, double? Bf16)> Probed = new(StringComparer.Ordinal);

    /// <summary>Side of the square products timed to resolve <see cref="PrecisionPolicy.Auto"/> (about 0.5 s where bf16 runs at 1 GFLOP/s).</summary>
    public const int PrecisionProbeSize = 512;

    /// <summary>
    /// Loads the native runtime for <paramref name="device"/> (e.g. "cpu", "cuda", "cuda:1"),
    /// sets the intra-op thread count (null or 0 keeps libtorch's default), resolves <paramref name="precision"/>
    /// and returns a report. The fp32 and bf16 product rates behind the precision are measured once per device and
    /// process (a fraction of a second) and reused by later calls.
    /// </summary>
    /// <exception cref="NativeRuntimeException">The native library cannot be loaded; the message says why.</exception>
    /// <exception cref="ArgumentException">The device string is not understood, or CUDA was asked for but is unavailable.</exception>
    /// <exception cref="InvalidOperationException"><see cref="PrecisionPolicy.Bf16"/> was asked for but bf16 products do not run on the device.</exception>
    public static RuntimeReport Initialize(string device = "cpu", int? threads = null, PrecisionPolicy precision = PrecisionPolicy.Auto)
    {
        lock (Gate)
        {
            EnsureNativeLoaded();
            var dev = ParseDevice(device);
            if (dev.type == DeviceType.CUDA && !cuda.is_available())
                throw new ArgumentException(
                    $"Device '{device}' was asked for, but CUDA is not available: reference a CUDA backend package (TorchSharp-cuda-linux or TorchSharp-cuda-windows) instead of libtorch-cpu, on a machine with an NVIDIA driver.",
                    nameof(device));
            if (threads is > 0) set_num_threads(threads.Value);
            ThreadGovernor.Configure(get_num_threads());

            var key = dev.ToString();
            if (!Probed.TryGetValue(key, out var rates))
            {
                rates = ProbeRates(dev);
                Probed[key] = rates;
            }
            var choice = PrecisionChoice.Decide(precision, rates.Fp32, rates.Bf16, dev.type == DeviceType.CPU ? CpuFeatures.Describe() : "");

            _last = new RuntimeReport(
                dev,
                typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown",
                LibTorchVersion(),
                get_num_threads(),
                get_num_interop_threads(),
                cuda.is_available(),
                cuda.is_available() ? cuda.device_count() : 0,
                rates.Bf16 is not null,
                LoadedLibraryIsPatched(),
                choice);
            return _last;
        }
    }

    /// <summary>The report of the last successful <see cref="Initialize"/>, or null.</summary>
    public static RuntimeReport? Current => _last;

    /// <summary>Parses "cpu", "cuda", "cuda:N" (case-insensitive) into a TorchSharp device.</summary>
    public static Device ParseDevice(string device)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(device);
        var text = device.Trim().ToLowerInvariant();
        if (text == "cpu") return CPU;
        if (text == "cuda") return new Device(DeviceType.CUDA, 0);
        if (text.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(5), out var idx) && idx >= 0)
            return new Device(DeviceType.CUDA, idx);
        throw new ArgumentException($"Unknown device '{device}': use cpu, cuda or cuda:N.", nameof(device));
    }

    /// <summary>
    /// Loads the native library (idempotent). Translates TorchSharp's generic failure into the
    /// real cause: no backend package, or a libstdc++ too old for the unpatched library.
    /// </summary>
    public static void EnsureNativeLoaded()
    {
        try
        {
            InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is not NativeRuntimeException)
        {
            throw new NativeRuntimeException(Diagnose(), e);
        }
    }

    /// <summary>Explains why the native library does not load, from the files beside the application.</summary>
    public static string Diagnose()
    {
        var dirs = NativeSearchDirectories().Where(Directory.Exists).ToList();
        string? bridge = FindFile(dirs, NativeBridgeFileName());
        string? libtorch = FindFile(dirs, RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "torch_cpu.dll" : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libtorch_cpu.dylib" : "libtorch_cpu.so")
                           ?? FindFile(dirs, RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "torch_cuda.dll" : "libtorch_cuda.so");
        if (libtorch is null)
            return "TorchSharp's native backend (libtorch) is not beside the application. Reference exactly one backend package in the application project: " +
                   "libtorch-cpu-linux-x64 / libtorch-cpu-win-x64 / libtorch-cpu-osx-arm64 (or TorchSharp-cpu) for CPU, TorchSharp-cuda-linux or TorchSharp-cuda-windows for CUDA.";
        if (bridge is null)
            return $"libtorch was found ({libtorch}) but TorchSharp's bridge library {NativeBridgeFileName()} was not; restore and rebuild the application.";
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            bool? systemHas = ElfVersionNeeds.SystemLibStdCxxHasVersion(ElfVersionNeeds.TorchSharpGlibcxxVersion, out var libstdcxx);
            if (systemHas == false)
            {
                var state = ElfVersionNeeds.Inspect(File.ReadAllBytes(bridge), ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.TorchSharpGlibcxxVersion);
                if (state.Outcome == ElfPatchOutcome.Strong)
                    return $"{bridge} requires {ElfVersionNeeds.TorchSharpGlibcxxVersion} but this system's {libstdcxx} (older than GCC 13) lacks it. " +
                           "VisionR1.Core's build step marks that requirement weak in the build output; it did not run for this output. " +
                           "Reference the VisionR1.Core package (not only a DLL), keep VisionR1PatchTorchSharpNative unset or 'auto', and rebuild; or upgrade libstdc++ to GCC 13+.";
            }
        }
        return $"TorchSharp's native libraries are present ({bridge}, {libtorch}) but failed to load; see the inner exception. " +
               (RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? $"Run 'ldd -r {bridge}' to list missing dependencies." : "");
    }

    private static string NativeBridgeFileName() =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "LibTorchSharp.dll" :
        RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";

    private static IEnumerable<string> NativeSearchDirectories()
    {
        var baseDir = AppContext.BaseDirectory;
        yield return baseDir;
        yield return Path.Combine(baseDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        var rid = (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win" : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : "linux") +
                  "-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        yield return Path.Combine(baseDir, "runtimes", rid, "native");
        var torchDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchDir)) yield return torchDir;
    }

    private static string? FindFile(IEnumerable<string> dirs, string name) =>
        dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static bool LoadedLibraryIsPatched()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return false;
        var bridge = FindFile(NativeSearchDirectories().Where(Directory.Exists), NativeBridgeFileName());
        if (bridge is null) return false;
        try
        {
            return ElfVersionNeeds.Inspect(File.ReadAllBytes(bridge), ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.TorchSharpGlibcxxVersion).Outcome == ElfPatchOutcome.AlreadyWeak;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string LibTorchVersion()
    {
        // TorchSharp exposes the libtorch version it was built against through its assembly metadata.
        var info = typeof(torch).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key.Contains("libtorch", StringComparison.OrdinalIgnoreCase));
        if (info?.Value is { Length: > 0 } v) return v;
        try
        {
            return __version__ ?? "unknown";
        }
        catch (Exception)
        {
            return "unknown";
        }
    }

    /// <summary>
    /// The fp32 and bf16 rates of <see cref="PrecisionProbeSize"/>-square products: the best of up to five after a warm-up,
    /// stopping once 0.25 s were spent on a type; bf16 null where it does not run or computes wrongly.
    /// </summary>
    private static (double Fp32, double? Bf16) ProbeRates(Device dev)
    {
        double fp32 = ProbeRate(ScalarType.Float32, dev);
        if (!Bf16Runs(dev)) return (fp32, null);
        try
        {
            return (fp32, ProbeRate(ScalarType.BFloat16, dev));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (fp32, null);
        }
    }

    private static double ProbeRate(ScalarType dtype, Device dev)
    {
        const int n = PrecisionProbeSize;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var a = randn(n, n, dtype: dtype, device: dev);
        var b = randn(n, n, dtype: dtype, device: dev);
        a.matmul(b).Dispose(); // warm-up: first-use costs (thread start, kernel choice) are not the rate
        double best = double.MaxValue, spent = 0;
        for (int i = 0; i < 5 && spent < 0.25; i++)
        {
            var sw = Stopwatch.StartNew();
            using var c = a.matmul(b);
            if (dev.type == DeviceType.CUDA) cuda.synchronize();
            double s = sw.Elapsed.TotalSeconds;
            spent += s;
            best = Math.Min(best, s);
        }
        return 2.0 * n * n * (double)n / best / 1e9;
    }

    private static bool Bf16Runs(Device dev)
    {
        try
        {
            using var scope = NewDisposeScope();
            var a = ones(8, 8, dtype: ScalarType.BFloat16, device: dev);
            var c = a.matmul(a);
            return Math.Abs(c[0, 0].to(ScalarType.Float32).item<float>() - 8f) < 1e-3f;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    /// <summary>Measures the best-of-<paramref name="repeats"/> matrix-multiply rate for an n×n product, in GFLOP/s.</summary>
    public static double MeasureMatmulGflops(int n = 1024, ScalarType dtype = ScalarType.Float32, int repeats = 5, Device? device = null)
    {
        EnsureNativeLoaded();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var dev = device ?? CPU;
        var a = randn(n, n, dtype: dtype, device: dev);
        var b = randn(n, n, dtype: dtype, device: dev);
        a.matmul(b).Dispose(); // warm-up
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            using var c = a.matmul(b);
            if (dev.type == DeviceType.CUDA) cuda.synchronize();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * (double)n / best / 1e9;
    }
}
