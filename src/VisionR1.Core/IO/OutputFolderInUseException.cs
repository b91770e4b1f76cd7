namespace VisionR1.IO;

/// <summary>An output folder or file is locked by another run (<see cref="OutputFolderLock"/>); the message names the holder's process id.</summary>
public sealed class OutputFolderInUseException : IOException
{
    /// <summary>Creates the exception.</summary>
    public OutputFolderInUseException(string folder, int? holderProcessId, string? holder, string message, Exception? inner = null)
        : base(message, inner)
    {
        Target = folder;
        HolderProcessId = holderProcessId;
        Holder = holder;
    }

    /// <summary>The locked folder or file.</summary>
    public string Target { get; }

    /// <summary>The process id of the run holding the lock, when recorded.</summary>
    public int? HolderProcessId { get; }

    /// <summary>What holds it (e.g. "vr1 sft"), when recorded.</summary>
    public string? Holder { get; }
}
