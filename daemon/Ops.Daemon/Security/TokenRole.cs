namespace Ops.Daemon.Security;

/// <summary>What a token may do: Viewer reads everything, Admin also acts.</summary>
public enum TokenRole
{
    Viewer,
    Admin,
}

/// <summary>One configured token (Ops:Security:Tokens): its name, the SHA-256 of the token (never the token), its role.</summary>
public sealed record TokenEntry(string Name, string Sha256, TokenRole Role);
