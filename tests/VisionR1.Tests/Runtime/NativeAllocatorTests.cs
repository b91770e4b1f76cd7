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

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo MallInfo2();
}
