namespace VisionR1.Trainer.Cli;

/// <summary>Thrown for a bad command line; the message is printed with the command's help and the exit code is 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);
