using VisionR1.Data.Readers;
using VisionR1.Tests.Data;

namespace VisionR1.Tests.Reliability;

public sealed class ParquetErrorTests
{
    [Fact]
    public async Task A_damaged_Parquet_file_is_named_in_the_error()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("bench.parquet");
        File.WriteAllBytes(path, [.. "PAR1"u8, .. new byte[64], .. "PAR1"u8]);

        var e = await Assert.ThrowsAsync<DataFormatException>(async () => await ProblemSource.Open(path).ToListAsync());

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("Parquet", e.Message, StringComparison.Ordinal);
    }
}
