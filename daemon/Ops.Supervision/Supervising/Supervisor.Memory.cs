namespace Ops.Supervision.Supervising;

/// <summary>Memory limits: one sample of every limited process tree per tick, taken off the loop.</summary>
public sealed partial class Supervisor
{
    private const long BytesPerMegabyte = 1024L * 1024L;

    private bool _memorySampleInFlight;

    private void OnMemoryTick()
    {
        if (_memorySampleInFlight)
        {
            return;
        }

        var targets = _table.Instances
            .Where(i => i.Program.MemoryLimitBytes > 0 && i.State == InstanceState.Running && i.LivePid is not null)
            .Select(i => new MemoryTarget(i, i.Generation, i.LivePid!.Value))
            .ToArray();
        if (targets.Length == 0)
        {
            return;
        }

        _memorySampleInFlight = true;
        var groups = targets.Select(t => t.GroupId).ToArray();
        RunOffLoop(
            () => Task.FromResult(_sampler.SampleRssBytes(groups)),
            rss => new MemorySampled(targets, rss, null),
            error => new MemorySampled(targets, null, error));
    }

    private void OnMemorySampled(MemorySampled sample)
    {
        _memorySampleInFlight = false;
        if (sample.Rss is not { } rss)
        {
            SupervisorLog.SamplerFailed(_logger, sample.Error ?? new InvalidOperationException("no sample"));
            return;
        }

        foreach (var (instance, generation, groupId) in sample.Targets)
        {
            if (instance.Generation == generation
                && instance.State == InstanceState.Running
                && rss.TryGetValue(groupId, out var bytes)
                && bytes > instance.Program.MemoryLimitBytes)
            {
                SupervisorLog.MemoryOverLimit(
                    _logger, instance.Program.Name, instance.Index, groupId, bytes / BytesPerMegabyte, instance.Spec.MemoryLimitMB, Reasons.Memory);
                Condemn(instance, Reasons.Memory);
            }
        }
    }
}
