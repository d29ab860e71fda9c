namespace Ops.Jobs.Storage;

/// <summary>Task storage cannot be reached right now; the message names it (never the password).</summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
