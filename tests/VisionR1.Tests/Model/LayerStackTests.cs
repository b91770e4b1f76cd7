using VisionR1.Model.Layers;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

public sealed class LayerStackTests
{
    /// <summary>Runs four layers that add one, recording which earlier outputs are still alive when each layer runs.</summary>
    private static (double Result, List<int> AliveAtLastLayer, bool InputAlive) RunFour()
    {
        using var scope = NewDisposeScope();
        var input = zeros(3);
        var outputs = new List<Tensor>();
        var alive = new List<int>();
        var result = LayerStack.Run(input, 4, (i, x) =>
        {
            if (i == 3) alive.AddRange(outputs.Select((t, k) => (t, k)).Where(p => !p.t.IsInvalid).Select(p => p.k));
            var y = x + 1;
            outputs.Add(y);
            return y;
        });
        return (result.sum().item<float>(), alive, !input.IsInvalid);
    }

    [Fact]
    public void Without_gradients_each_intermediate_output_is_freed_once_the_next_layer_has_run()
    {
        using var _ = no_grad();
        var (result, alive, inputAlive) = RunFour();
        Assert.Equal(12.0, result);
        Assert.Equal([2], alive); // only the last layer's input: outputs 0 and 1 are already disposed
        Assert.True(inputAlive);
    }

    [Fact]
    public void With_gradients_the_intermediate_outputs_are_left_to_the_callers_scope()
    {
        using var _ = enable_grad();
        var (result, alive, inputAlive) = RunFour();
        Assert.Equal(12.0, result);
        Assert.Equal([0, 1, 2], alive);
        Assert.True(inputAlive);
    }
}
