using VisionR1.Model.Config;
using VisionR1.Model.Text;

namespace VisionR1.Tests.Model;

public sealed class PositionIndexTests
{
    private static readonly ModelTokenIds Ids = ModelTokenIds.Compact; // vision_start 3, vision_end 4, image_pad 5

    [Fact]
    public void Text_image_text_positions_match_hand_derivation()
    {
        // a b <vs> [image: patch grid 4×6 → merged 2×3 = 6 tokens] <ve> c d
        long[] ids = [10, 11, 3, 5, 5, 5, 5, 5, 5, 4, 12, 13];
        long[] mask = Enumerable.Repeat(1L, ids.Length).ToArray();
        var (pos, deltas, _) = RopeIndex.Compute(ids, mask, 1, ids.Length, [(1, 4, 6)], Ids, 2);

        // By hand: text 0,1,2; the image starts at 3: t = 3, h = 3 + row, w = 3 + col over rows 0..1, cols 0..2;
        // the largest is 3 + 2 = 5, so <ve> = 6, c = 7, d = 8. Delta = 9 − 12 = −3.
        long[] t = [0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7, 8];
        long[] h = [0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7, 8];
        long[] w = [0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8];
        Assert.Equal(t, pos[..12]);
        Assert.Equal(h, pos[12..24]);
        Assert.Equal(w, pos[24..36]);
        Assert.Equal(-3, deltas[0]);
    }

    [Fact]
    public void Left_padding_gets_position_one_and_shifts_the_delta()
    {
        long[] ids = [0, 0, 10, 3, 5, 5, 5, 5, 5, 5, 4];
        long[] mask = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1];
        var (pos, deltas, _) = RopeIndex.Compute(ids, mask, 1, ids.Length, [(1, 4, 6)], Ids, 2);
        long[] h = [1, 1, 0, 1, 2, 2, 2, 3, 3, 3, 5];
        long[] w = [1, 1, 0, 1, 2, 3, 4, 2, 3, 4, 5];
        Assert.Equal(h, pos[11..22]);
        Assert.Equal(w, pos[22..33]);
        Assert.Equal(6 - 11, deltas[0]); // max 5 + 1 − padded length 11
    }

    [Fact]
    public void Image_run_shorter_than_its_grid_is_rejected_naming_the_row()
    {
        long[] ids = [10, 3, 5, 5, 4];
        long[] mask = [1, 1, 1, 1, 1];
        var e = Assert.Throws<ArgumentException>(() => RopeIndex.Compute(ids, mask, 1, ids.Length, [(1, 4, 6)], Ids, 2));
        Assert.Contains("Row 0", e.Message);
    }
}
