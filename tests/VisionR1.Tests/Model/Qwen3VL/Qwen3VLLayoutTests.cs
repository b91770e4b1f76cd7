using VisionR1.Model.Config;
using VisionR1.Model.Qwen3VL;
using VisionR1.Model.Text;
using VisionR1.Runtime;

namespace VisionR1.Tests.Model.Qwen3VL;

public sealed class Qwen3VLLayoutTests
{
    [Fact]
    public void Interleaved_rotary_gives_height_and_width_every_third_slot_within_their_sections()
    {
        // head_dim 8, sections [2, 1, 1]: slots t h w t, repeated for the second half.
        Assert.Equal([0L, 1, 2, 0, 0, 1, 2, 0], InterleavedRotary.AxisOfDimension([2, 1, 1], 8));
        // The released [24, 20, 20] over head_dim 128: h at 1, 4, …, 58; w at 2, 5, …, 59; t elsewhere (0, 3, …, 57, 60–63).
        var axis = InterleavedRotary.AxisOfDimension([24, 20, 20], 128);
        for (int j = 0; j < 64; j++)
        {
            long expected = j < 60 ? j % 3 : 0;
            Assert.Equal(expected, axis[j]);
            Assert.Equal(expected, axis[j + 64]);
        }
        Assert.Equal(24, axis.Take(64).Count(a => a == 0));
    }

    [Fact]
    public void Bilinear_corners_reproduce_a_linear_table_and_follow_the_merge_block_order()
    {
        VisionR1Runtime.Initialize("cpu");
        const int side = 4;
        // A table whose entry (i, j) is 4i + j: bilinear interpolation must give 4y + x at every sample point.
        var layout = VisionPatchLayout.Create([(1, 2, 6)], mergeSize: 2, gridSide: side);
        long n = layout.PatchCount;
        Assert.Equal(12, n);
        Assert.Equal([0L, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1], layout.Rows);
        Assert.Equal([0L, 1, 0, 1, 2, 3, 2, 3, 4, 5, 4, 5], layout.Cols);
        Assert.Equal([12], layout.FrameSegments);
        for (int i = 0; i < n; i++)
        {
            double y = layout.Rows[i] * 3.0 / 1;         // linspace(0, 3, 2) = 0, 3
            double x = layout.Cols[i] * 3.0 / 5;         // linspace(0, 3, 6) = 0, 0.6, …, 3
            double value = 0, total = 0;
            for (int k = 0; k < 4; k++)
            {
                long index = layout.CornerIndex[(k * n) + i];
                float w = layout.CornerWeight[(k * n) + i];
                Assert.InRange(index, 0, (side * side) - 1);
                value += w * index;
                total += w;
            }
            Assert.Equal(1.0, total, 6);
            Assert.Equal((side * y) + x, value, 5);
        }
        // The last column sits on the table's edge: its upper neighbour is clamped to the edge, with weight 0.
        Assert.Equal(3L, layout.CornerIndex[(1 * n) + 11] % side);
        Assert.Equal(0f, layout.CornerWeight[(1 * n) + 11]);
    }

    [Fact]
    public void Sample_points_are_libtorch_linspace_split_into_floor_ceiling_and_fraction()
    {
        VisionR1Runtime.Initialize("cpu");
        var (low, high, fraction) = VisionPatchLayout.Axis(4, 3); // 0, 2/3, 4/3, 2
        Assert.Equal([0L, 0, 1, 2], low);
        Assert.Equal([1L, 1, 2, 2], high);
        Assert.Equal(0f, fraction[0]);
        Assert.Equal(2f / 3, fraction[1], 6);
        Assert.Equal(1f / 3, fraction[2], 6);
        Assert.Equal(0f, fraction[3]);
        var single = VisionPatchLayout.Axis(1, 48);
        Assert.Equal([0L], single.Low);
        Assert.Equal([1L], single.High);
    }

    [Fact]
    public void Frames_of_one_image_advance_the_temporal_position_only_when_asked()
    {
        var tokens = new ModelTokenIds(0, 2, 0, 5, 6, 3, 4);
        // text, <vision_start>, 2 frames of one merged token, <vision_end>, text
        long[] ids = [9, 3, 5, 5, 4, 9];
        long[] mask = [1, 1, 1, 1, 1, 1];
        var qwen3 = RopeIndex.Compute(ids, mask, 1, 6, [(2, 2, 2)], tokens, 2, framesAdvanceTime: true);
        Assert.Equal([0L, 1, 2, 3, 4, 5], qwen3.Positions.Take(6));      // t: the second frame at start + 1
        Assert.Equal([0L, 1, 2, 2, 4, 5], qwen3.Positions.Skip(6).Take(6)); // h
        Assert.Equal([0L], [qwen3.Deltas[0]]);
        var qwen25 = RopeIndex.Compute(ids, mask, 1, 6, [(2, 2, 2)], tokens, 2);
        Assert.Equal([0L, 1, 2, 2, 3, 4], qwen25.Positions.Take(6));
    }
}
