// Tests time real processes on a 2-core machine: run them one at a time so one test's flood or allocation
// cannot make another's timing assertion flaky.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
