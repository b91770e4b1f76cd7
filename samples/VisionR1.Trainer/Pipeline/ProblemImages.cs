using VisionR1.Data.Records;
using VisionR1.Inputs;

namespace VisionR1.Trainer.Pipeline;

/// <summary>Processes a problem's images on demand (nothing is cached, so thousands of problems cost no memory).</summary>
public sealed class ProblemImages(ImageProcessor processor)
{
    /// <summary>The processor.</summary>
    public ImageProcessor Processor { get; } = processor ?? throw new ArgumentNullException(nameof(processor));

    /// <summary>The processed images of <paramref name="problem"/>, in order.</summary>
    /// <exception cref="InvalidDataException">An image has neither bytes nor a path (the problem id is named).</exception>
    public IReadOnlyList<ProcessedImage> Load(MathProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.Images.Select((img, i) =>
            img.Bytes is { } bytes ? Processor.Process(bytes, $"{problem.Id} image {i}")
            : img.Path is { } path ? Processor.ProcessFile(path)
            : throw new InvalidDataException($"Problem '{problem.Id}': image {i} has neither bytes nor a path.")).ToList();
    }
}
