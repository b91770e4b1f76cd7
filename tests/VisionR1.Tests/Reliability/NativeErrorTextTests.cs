using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Reliability;

public sealed class NativeErrorTextTests
{
    [Fact]
    public void A_libtorch_error_is_shortened_to_its_message_without_the_native_backtrace()
    {
        VisionR1Runtime.Initialize("cpu");
        using var a = ones(2, 3);
        var e = Assert.ThrowsAny<Exception>(() => a.view(4)); // (matmul's native error is not caught by TorchSharp and ends the process)
        Assert.Contains("frame #", e.Message, StringComparison.Ordinal); // what users saw before

        var brief = NativeErrorText.Brief(e.Message);

        Assert.DoesNotContain("frame #", brief, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', brief);
        Assert.Contains("is invalid for input of size 6", brief, StringComparison.Ordinal);
        Assert.Contains("native backtrace of", brief, StringComparison.Ordinal);
        Assert.Equal("plain message\nsecond line", NativeErrorText.Brief("plain message\nsecond line"));
    }
}
