namespace Ops.Supervision.Os;

/// <summary>Which output stream of a child a line came from.</summary>
public enum OutputStream
{
    Stdout,
    Stderr,
}
