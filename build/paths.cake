// Where things are, in one place.
public static class Paths
{
    public const string Solution = "Ops.sln";
    public const string Artifacts = "artifacts";
    public const string TestResults = "artifacts/test-results";
}
