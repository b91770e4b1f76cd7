using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Inputs;

/// <summary>
/// Stacks tokenized conversations into batches for the model: ids left-padded with
/// <c>&lt;|endoftext|&gt;</c>, the attention mask, all images' patches concatenated row by row in order of
/// appearance (one row of <see cref="VisionPatchGeometry.PatchDim"/> values per patch, so 1176 for Qwen2.5-VL and 1536 for
/// Qwen3-VL), and their (t, h, w) grids. Checks that each row's image-pad count matches its images and that all images of
/// a batch share one geometry.
/// The returned batches own their tensors.
/// </summary>
public static class MultimodalCollator
{
    /// <summary>Batches prompts (or whole conversations) for a forward pass or generation.</summary>
    /// <exception cref="ArgumentException">The list is empty, a row's image pads do not match its images, or the images' geometries differ.</exception>
    public static MultimodalBatch Collate(IReadOnlyList<TokenizedConversation> items, SpecialTokenIds special, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(special);
        Validate(items, special);
        var length = items.Max(i => i.Length);
        var ids = new long[items.Count * length];
        var mask = new long[items.Count * length];
        for (var b = 0; b < items.Count; b++)
        {
            var row = items[b].InputIds;
            var offset = (b * length) + (length - row.Count);
            ids.AsSpan(b * length, length - row.Count).Fill(special.EndOfText);
            for (var t = 0; t < row.Count; t++)
            {
                ids[offset + t] = row[t];
                mask[offset + t] = 1;
            }
        }

        return Build(ids, mask, items.Count, length, items.SelectMany(i => i.Images).ToList(), device);
    }

    /// <summary>Batches conversations with their SFT labels (left-padded with −100).</summary>
    /// <exception cref="ArgumentException">The list is empty, a row's image pads do not match its images, or the images' geometries differ.</exception>
    public static LabelledBatch CollateWithLabels(IReadOnlyList<TokenizedConversation> items, SpecialTokenIds special, Device? device = null)
    {
        var inputs = Collate(items, special, device);
        var length = (int)inputs.SequenceLength;
        var labels = new long[items.Count * length];
        Array.Fill(labels, ChatTemplate.IgnoreIndex);
        for (var b = 0; b < items.Count; b++)
        {
            var row = items[b].Labels;
            if (row.Count != items[b].Length)
            {
                inputs.Dispose();
                throw new ArgumentException($"Item {b} has {row.Count} labels for {items[b].Length} ids.", nameof(items));
            }

            var offset = (b * length) + (length - row.Count);
            for (var t = 0; t < row.Count; t++)
            {
                labels[offset + t] = row[t];
            }
        }

        return new LabelledBatch(inputs, tensor(labels, [items.Count, length], ScalarType.Int64, device));
    }

    /// <summary>
    /// Batches each prompt followed by its completion for GRPO log-probabilities (see
    /// <see cref="CompletionBatch"/>). <paramref name="completions"/>[i] belongs to
    /// <paramref name="prompts"/>[i] and holds exactly the completion's tokens (including its
    /// <c>&lt;|im_end|&gt;</c> when it finished); for a group of G samples repeat the prompt G times.
    /// </summary>
    /// <exception cref="ArgumentException">Counts differ, the list is empty, a row's image pads do not match its images, the images' geometries differ, or a completion contains an image/video pad token.</exception>
    public static CompletionBatch CollateCompletions(
        IReadOnlyList<TokenizedConversation> prompts, IReadOnlyList<IReadOnlyList<int>> completions, SpecialTokenIds special, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(completions);
        ArgumentNullException.ThrowIfNull(special);
        if (prompts.Count != completions.Count)
        {
            throw new ArgumentException($"{prompts.Count} prompts but {completions.Count} completions.", nameof(completions));
        }

        Validate(prompts, special);
        var promptLength = prompts.Max(p => p.Length);
        var completionLength = completions.Max(c => c?.Count ?? 0);
        var length = promptLength + completionLength;
        var ids = new long[prompts.Count * length];
        var mask = new long[prompts.Count * length];
        var completionMask = new long[prompts.Count * length];
        Array.Fill(ids, special.EndOfText);
        for (var b = 0; b < prompts.Count; b++)
        {
            var prompt = prompts[b].InputIds;
            var completion = completions[b] ?? throw new ArgumentException($"Completion {b} is null.", nameof(completions));
            foreach (var id in completion)
            {
                if (id == special.ImagePad || id == special.VideoPad)
                {
                    throw new ArgumentException(
                        $"Completion {b} contains a vision pad token ({id}); the model would look for image features for it. Suppress vision tokens during generation.",
                        nameof(completions));
                }
            }

            var rowStart = b * length;
            var promptOffset = rowStart + promptLength - prompt.Count;
            for (var t = 0; t < prompt.Count; t++)
            {
                ids[promptOffset + t] = prompt[t];
                mask[promptOffset + t] = 1;
            }

            for (var t = 0; t < completion.Count; t++)
            {
                var at = rowStart + promptLength + t;
                ids[at] = completion[t];
                mask[at] = 1;
                completionMask[at] = 1;
            }
        }

        var inputs = Build(ids, mask, prompts.Count, length, prompts.SelectMany(p => p.Images).ToList(), device);
        return new CompletionBatch(inputs, tensor(completionMask, [prompts.Count, length], ScalarType.Int64, device), promptLength);
    }

    private static void Validate(IReadOnlyList<TokenizedConversation> items, SpecialTokenIds special)
    {
        if (items.Count == 0)
        {
            throw new ArgumentException("Cannot collate an empty batch.", nameof(items));
        }

        for (var b = 0; b < items.Count; b++)
        {
            var item = items[b] ?? throw new ArgumentException($"Item {b} is null.", nameof(items));
            var pads = item.InputIds.Count(id => id == special.ImagePad);
            var expected = item.Images.Sum(i => i.MergedTokenCount);
            if (pads != expected)
            {
                throw new ArgumentException(
                    $"Item {b} has {pads} <|image_pad|> tokens but its {item.Images.Count} image(s) need {expected}.", nameof(items));
            }
        }

        var geometry = items.SelectMany(i => i.Images).Select(i => i.Geometry).FirstOrDefault();
        if (geometry is not null && items.SelectMany(i => i.Images).FirstOrDefault(i => !i.Geometry.Equals(geometry)) is { } other)
        {
            throw new ArgumentException(
                $"Image '{other.Source}' was processed for another vision encoder ({other.Geometry.PatchSize}-pixel patches) than the batch's first image " +
                $"({geometry.PatchSize}-pixel patches); process all images of a batch with one model's image processor.", nameof(items));
        }
    }

    /// <summary>
    /// The images' patch rows as one (patches, PatchDim) float tensor, each image writing its patches straight into the
    /// tensor's memory (no managed copy of the batch), moved to <paramref name="device"/> when that is not the CPU.
    /// </summary>
    private static Tensor PixelTensor(List<ProcessedImage> images, long totalPatches, Device? device)
    {
        var host = empty([totalPatches, images[0].Geometry.PatchDim], ScalarType.Float32, CPU);
        try
        {
            using (var flat = host.view(-1))
            {
                long offset = 0;
                foreach (var image in images)
                {
                    // A span is limited to 2^31 elements; one image's patches always fit in one.
                    using var part = flat.narrow(0, offset, image.PatchValueCount);
                    image.WritePatches(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(part.bytes));
                    offset += image.PatchValueCount;
                }
            }

            if (device is null || device.type == TorchSharp.DeviceType.CPU) return host;
            var moved = host.to(device);
            host.Dispose();
            return moved;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    private static MultimodalBatch Build(long[] ids, long[] mask, int batch, int length, List<ProcessedImage> images, Device? device)
    {
        Tensor? pixels = null;
        Tensor? grids = null;
        if (images.Count > 0)
        {
            var totalPatches = images.Sum(i => (long)i.PatchCount);
            var gridValues = new long[images.Count * 3];
            for (var i = 0; i < images.Count; i++)
            {
                gridValues[i * 3] = images[i].GridT;
                gridValues[(i * 3) + 1] = images[i].GridH;
                gridValues[(i * 3) + 2] = images[i].GridW;
            }

            pixels = PixelTensor(images, totalPatches, device);
            grids = tensor(gridValues, [images.Count, 3], ScalarType.Int64, device);
        }

        return new MultimodalBatch(
            tensor(ids, [batch, length], ScalarType.Int64, device),
            tensor(mask, [batch, length], ScalarType.Int64, device),
            pixels,
            grids);
    }
}
