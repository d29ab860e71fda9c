using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ops.Cli.Api;

/// <summary>Source-generated (reflection-free, quick to start) JSON contracts for the API's camelCase shapes.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<ProgramInstance>))]
[JsonSerializable(typeof(List<Transition>))]
[JsonSerializable(typeof(CommandAccepted))]
[JsonSerializable(typeof(List<LogLine>))]
[JsonSerializable(typeof(LogLine))]
[JsonSerializable(typeof(DroppedLines))]
[JsonSerializable(typeof(ReloadDiff))]
[JsonSerializable(typeof(RunAccepted))]
[JsonSerializable(typeof(JobInfo))]
[JsonSerializable(typeof(List<JobInfo>))]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class ApiJson : JsonSerializerContext;
