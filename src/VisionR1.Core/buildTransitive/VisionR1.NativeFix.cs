#nullable enable
// This one file serves twice:
//  * MSBuild compiles it (RoslynCodeTaskFactory, netstandard2.0 API surface only) into the
//    PatchTorchSharpNative task that VisionR1.Core.targets runs after each build and publish;
//  * VisionR1.Core compiles it with VISIONR1_NO_MSBUILD defined, so the runtime can explain
//    a failed native load and tests can exercise the ELF parser directly.
// Keep it to netstandard2.0 APIs and free of other project files.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace VisionR1.Runtime
{
    /// <summary>What <see cref="ElfVersionNeeds"/> found or did for one file.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>The version need was strong and has been marked weak.</summary>
        Patched,
        /// <summary>The version need is already weak; nothing was written (idempotent).</summary>
        AlreadyWeak,
        /// <summary>The version need is strong and was left as it is (inspection only).</summary>
        Strong,
        /// <summary>The file has no such version need; nothing to do.</summary>
        NotNeeded,
        /// <summary>The file is not an ELF file of the expected shape; it was left untouched.</summary>
        Unexpected,
    }

    /// <summary>The result of inspecting or patching one ELF file.</summary>
    public sealed class ElfPatchResult
    {
        /// <summary>Creates a result.</summary>
        public ElfPatchResult(ElfPatchOutcome outcome, string detail)
        {
            Outcome = outcome;
            Detail = detail;
        }

        /// <summary>What happened.</summary>
        public ElfPatchOutcome Outcome { get; }

        /// <summary>A human-readable explanation (why a file was unexpected, which entry was changed).</summary>
        public string Detail { get; }

        /// <inheritdoc />
        public override string ToString() => Outcome + ": " + Detail;
    }

    /// <summary>
    /// Reads and edits the GNU symbol-version requirements (<c>.gnu.version_r</c>) of a
    /// 64-bit little-endian ELF shared library. TorchSharp 0.107's <c>libLibTorchSharp.so</c>
    /// was linked by GCC 13 and requires <c>GLIBCXX_3.4.32</c> for one anchor symbol only
    /// (<c>std::ios_base_library_init()</c>); marking that single requirement weak lets the
    /// library load with the GCC 12 libstdc++ of Debian 12 and Ubuntu 22.04.
    /// Every offset read is bounds-checked: a malformed file yields
    /// <see cref="ElfPatchOutcome.Unexpected"/> and is never written.
    /// </summary>
    public static class ElfVersionNeeds
    {
        /// <summary>The libstdc++ version tag TorchSharp 0.107 asks for.</summary>
        public const string TorchSharpGlibcxxVersion = "GLIBCXX_3.4.32";

        /// <summary>The library that provides <see cref="TorchSharpGlibcxxVersion"/>.</summary>
        public const string LibStdCxx = "libstdc++.so.6";

        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlgWeak = 0x2;
        private const int MaxEntries = 4096;

        /// <summary>Finds the requirement <paramref name="version"/> of <paramref name="library"/> and reports whether it is weak.</summary>
        public static ElfPatchResult Inspect(byte[] image, string library, string version)
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            return Locate(image, library, version, out _);
        }

        /// <summary>
        /// Marks the requirement weak in <paramref name="image"/> (in memory). Returns
        /// <see cref="ElfPatchOutcome.Patched"/> when a byte changed.
        /// </summary>
        public static ElfPatchResult MarkWeak(byte[] image, string library, string version)
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            var found = Locate(image, library, version, out var flagsOffset);
            if (found.Outcome != ElfPatchOutcome.Strong) return found;
            ushort flags = ReadU16(image, flagsOffset);
            WriteU16(image, flagsOffset, (ushort)(flags | VerFlgWeak));
            return new ElfPatchResult(ElfPatchOutcome.Patched, found.Detail + " (vna_flags 0x" + flags.ToString("x") + " -> 0x" + (flags | VerFlgWeak).ToString("x") + ")");
        }

        /// <summary>
        /// Marks the requirement weak in the file at <paramref name="path"/>. The new content is
        /// written to a temporary file beside it and renamed over the original, so a hard link
        /// into a package cache is replaced rather than modified, and an interrupted write never
        /// leaves a half-written library.
        /// </summary>
        public static ElfPatchResult MarkWeakInFile(string path, string library, string version)
        {
            byte[] image;
            try
            {
                image = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return new ElfPatchResult(ElfPatchOutcome.Unexpected, "cannot read " + path + ": " + e.Message);
            }

            var result = MarkWeak(image, library, version);
            if (result.Outcome != ElfPatchOutcome.Patched) return result;

            string temp = path + ".visionr1-" + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            try
            {
                File.Copy(path, temp, true); // keeps the file mode of the original
                using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write))
                {
                    stream.Write(image, 0, image.Length);
                    stream.Flush(true);
                }
                File.Replace(temp, path, null);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            return result;
        }

        /// <summary>
        /// Finds the system's libstdc++.so.6 in the usual library folders and reports whether it
        /// defines <paramref name="version"/>. Returns null when no libstdc++ was found.
        /// </summary>
        public static bool? SystemLibStdCxxHasVersion(string version, out string? libraryPath)
        {
            libraryPath = null;
            foreach (var dir in SystemLibraryDirectories())
            {
                var candidate = Path.Combine(dir, LibStdCxx);
                if (!File.Exists(candidate)) continue;
                libraryPath = candidate;
                byte[] bytes;
                try
                {
                    bytes = File.ReadAllBytes(candidate);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    continue;
                }
                return IndexOf(bytes, Encoding.ASCII.GetBytes(version + "\0")) >= 0;
            }
            return null;
        }

        /// <summary>The folders searched for the system libstdc++, most specific first.</summary>
        public static IEnumerable<string> SystemLibraryDirectories()
        {
            string arch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "aarch64" : "x86_64";
            yield return "/usr/lib/" + arch + "-linux-gnu";
            yield return "/lib/" + arch + "-linux-gnu";
            yield return "/usr/lib64";
            yield return "/lib64";
            yield return "/usr/lib";
            yield return "/lib";
        }

        private static ElfPatchResult Locate(byte[] b, string library, string version, out int flagsOffset)
        {
            flagsOffset = -1;
            if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
                return Unexpected("not an ELF file");
            if (b[4] != 2) return Unexpected("not a 64-bit ELF file (EI_CLASS " + b[4] + ")");
            if (b[5] != 1) return Unexpected("not a little-endian ELF file (EI_DATA " + b[5] + ")");

            ulong shoff = ReadU64(b, 0x28);
            ushort shentsize = ReadU16(b, 0x3A);
            ushort shnum = ReadU16(b, 0x3C);
            if (shoff == 0 || shnum == 0) return Unexpected("no section header table");
            if (shentsize != 64) return Unexpected("section header size " + shentsize + ", expected 64");
            if (!Fits(b, shoff, (ulong)shnum * 64)) return Unexpected("section header table runs past the end of the file");

            int verneedCount = 0;
            for (int i = 0; i < shnum; i++)
            {
                int sh = checked((int)shoff + i * 64);
                if (ReadU32(b, sh + 4) != ShtGnuVerneed) continue;
                verneedCount++;
                ulong secOffset = ReadU64(b, sh + 0x18);
                ulong secSize = ReadU64(b, sh + 0x20);
                uint link = ReadU32(b, sh + 0x28);
                uint entries = ReadU32(b, sh + 0x2C);
                if (!Fits(b, secOffset, secSize)) return Unexpected(".gnu.version_r runs past the end of the file");
                if (link >= shnum) return Unexpected(".gnu.version_r links to a missing string table");
                int strSh = checked((int)shoff + (int)link * 64);
                ulong strOffset = ReadU64(b, strSh + 0x18);
                ulong strSize = ReadU64(b, strSh + 0x20);
                if (!Fits(b, strOffset, strSize)) return Unexpected("the version string table runs past the end of the file");
                if (entries > MaxEntries) return Unexpected("implausible number of version needs (" + entries + ")");

                ulong need = secOffset;
                ulong secEnd = secOffset + secSize;
                for (uint n = 0; n < entries; n++)
                {
                    if (need + 16 > secEnd) return Unexpected("a version need entry runs past its section");
                    int vn = (int)need;
                    ushort vnCnt = ReadU16(b, vn + 2);
                    uint vnFile = ReadU32(b, vn + 4);
                    uint vnAux = ReadU32(b, vn + 8);
                    uint vnNext = ReadU32(b, vn + 12);
                    string? file = ReadString(b, strOffset, strSize, vnFile);
                    if (file == null) return Unexpected("a version need names a string outside its table");
                    if (vnCnt > MaxEntries) return Unexpected("implausible number of versions for " + file);

                    ulong aux = need + vnAux;
                    for (int a = 0; a < vnCnt; a++)
                    {
                        if (aux < secOffset || aux + 16 > secEnd) return Unexpected("a version entry of " + file + " runs past its section");
                        int va = (int)aux;
                        uint vnaName = ReadU32(b, va + 8);
                        uint vnaNext = ReadU32(b, va + 12);
                        string? name = ReadString(b, strOffset, strSize, vnaName);
                        if (name == null) return Unexpected("a version entry of " + file + " names a string outside its table");
                        if (name == version && file == library)
                        {
                            flagsOffset = va + 4;
                            ushort flags = ReadU16(b, flagsOffset);
                            string where = version + " of " + library + " at file offset 0x" + flagsOffset.ToString("x");
                            return (flags & VerFlgWeak) != 0
                                ? new ElfPatchResult(ElfPatchOutcome.AlreadyWeak, where + " is already weak")
                                : new ElfPatchResult(ElfPatchOutcome.Strong, where);
                        }
                        if (vnaNext == 0) break;
                        aux += vnaNext;
                    }
                    if (vnNext == 0) break;
                    need += vnNext;
                }
            }
            if (verneedCount == 0) return new ElfPatchResult(ElfPatchOutcome.NotNeeded, "no .gnu.version_r section");
            return new ElfPatchResult(ElfPatchOutcome.NotNeeded, "no requirement " + version + " of " + library);
        }

        private static ElfPatchResult Unexpected(string why) => new ElfPatchResult(ElfPatchOutcome.Unexpected, why);

        private static bool Fits(byte[] b, ulong offset, ulong size) =>
            offset <= (ulong)b.Length && size <= (ulong)b.Length - offset;

        private static string? ReadString(byte[] b, ulong tableOffset, ulong tableSize, uint index)
        {
            if (index >= tableSize) return null;
            int start = checked((int)(tableOffset + index));
            int end = (int)(tableOffset + tableSize);
            int i = start;
            while (i < end && b[i] != 0) i++;
            if (i >= end) return null;
            return Encoding.ASCII.GetString(b, start, i - start);
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }

        private static ushort ReadU16(byte[] b, int o) => (ushort)(b[o] | (b[o + 1] << 8));

        private static uint ReadU32(byte[] b, int o) => (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));

        private static ulong ReadU64(byte[] b, int o) => ReadU32(b, o) | ((ulong)ReadU32(b, o + 4) << 32);

        private static void WriteU16(byte[] b, int o, ushort v)
        {
            b[o] = (byte)v;
            b[o + 1] = (byte)(v >> 8);
        }
    }
}

#if !VISIONR1_NO_MSBUILD
namespace VisionR1.Build
{
    using Microsoft.Build.Framework;
    using Microsoft.Build.Utilities;
    using VisionR1.Runtime;

    /// <summary>
    /// MSBuild task: on Linux, when the system libstdc++ lacks GLIBCXX_3.4.32, marks that one
    /// version need weak in each given copy of libLibTorchSharp.so (build or publish output).
    /// </summary>
    public class PatchTorchSharpNative : Task
    {
        /// <summary>The libLibTorchSharp.so copies in the output.</summary>
        public ITaskItem[] Files { get; set; } = new ITaskItem[0];

        /// <summary>auto (default): only when needed; always; never.</summary>
        public string Mode { get; set; } = "auto";

        public override bool Execute()
        {
            if (Files.Length == 0) return true;
            string mode = (Mode ?? "auto").Trim().ToLowerInvariant();
            if (mode == "never" || mode == "false") return true;
            if (mode == "auto")
            {
                if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return true;
                bool? has = ElfVersionNeeds.SystemLibStdCxxHasVersion(ElfVersionNeeds.TorchSharpGlibcxxVersion, out var lib);
                if (has == null)
                {
                    Log.LogMessage(MessageImportance.Low, "VisionR1: no system libstdc++.so.6 found; libLibTorchSharp.so left as shipped.");
                    return true;
                }
                if (has == true)
                {
                    Log.LogMessage(MessageImportance.Low, "VisionR1: " + lib + " provides " + ElfVersionNeeds.TorchSharpGlibcxxVersion + "; libLibTorchSharp.so left as shipped.");
                    return true;
                }
            }

            foreach (var item in Files)
            {
                string path = item.ItemSpec;
                var result = ElfVersionNeeds.MarkWeakInFile(path, ElfVersionNeeds.LibStdCxx, ElfVersionNeeds.TorchSharpGlibcxxVersion);
                switch (result.Outcome)
                {
                    case ElfPatchOutcome.Patched:
                        Log.LogMessage(MessageImportance.High,
                            "VisionR1: marked the " + ElfVersionNeeds.TorchSharpGlibcxxVersion + " requirement weak in " + path +
                            " because this system's libstdc++ lacks it (TorchSharp's native library was built with GCC 13; only the anchor symbol std::ios_base_library_init needs that version). " +
                            result.Detail + ". The NuGet cache was not touched.");
                        break;
                    case ElfPatchOutcome.Unexpected:
                        Log.LogWarning("VisionR1: left " + path + " untouched: " + result.Detail + ".");
                        break;
                    default:
                        Log.LogMessage(MessageImportance.Low, "VisionR1: " + path + ": " + result);
                        break;
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
}
#endif
