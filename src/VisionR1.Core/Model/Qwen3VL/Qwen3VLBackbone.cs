using TorchSharp;
using static TorchSharp.torch;

namespace VisionR1.Model.Qwen3VL;

/// <summary><c>model</c>: the vision encoder <c>visual</c> and the language model <c>language_model</c>, named as transformers' <c>Qwen3VLModel</c>.</summary>
internal sealed class Qwen3VLBackbone : nn.Module
{
    public VisionModel visual;
    public TextModel language_model;

    public Qwen3VLBackbone(Qwen3VLConfig config, Device device, ScalarType dtype) : base(nameof(Qwen3VLBackbone))
    {
        visual = new VisionModel(config.Vision, device, dtype);
        language_model = new TextModel(config.Text, device, dtype);
        RegisterComponents();
    }
}
