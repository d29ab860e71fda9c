// These tests drive a real opsd and real child processes (process groups, signals, /proc).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
