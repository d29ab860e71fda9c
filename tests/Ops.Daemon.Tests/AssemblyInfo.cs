// These tests drive real Linux processes (process groups, signals, /proc).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
