using Hangfire;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.InMemory;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;
using Ops.Jobs.Running;

namespace Ops.Jobs.Tests.Support;

/// <summary>
/// A real Hangfire.InMemory storage without a server, and the contexts Hangfire hands filters, built over it: the
/// filters read and write job parameters, locks and sets as they do in the daemon, without workers or polling.
/// </summary>
internal sealed class JobStore : IDisposable
{
    public static readonly DateTime CreatedAt = new(2026, 5, 4, 3, 2, 1, DateTimeKind.Utc);

    public JobStore()
    {
        Connection = Storage.GetConnection();
    }

    public InMemoryStorage Storage { get; } = new(new InMemoryStorageOptions { IdType = InMemoryStorageIdType.Long });

    public IStorageConnection Connection { get; }

    /// <summary>A task-run job as the submitter makes it, with <paramref name="parameters"/> stored on it.</summary>
    public BackgroundJob Create(string task, IReadOnlyDictionary<string, string?>? parameters = null)
    {
        var job = Job.FromExpression<TaskRunJob>(j => j.Run(task, null, null, null, CancellationToken.None));
        var stored = new Dictionary<string, string?>(parameters ?? new Dictionary<string, string?>(), StringComparer.Ordinal);
        var id = Connection.CreateExpiredJob(job, stored, CreatedAt, TimeSpan.FromHours(1));
        return Load(id);
    }

    /// <summary>The job as a worker loads it: with its parameters' snapshot.</summary>
    public BackgroundJob Load(string id)
    {
        var data = Connection.GetJobData(id) ?? throw new InvalidOperationException($"no job {id}");
        return new BackgroundJob(id, data.Job, data.CreatedAt, data.ParametersSnapshot);
    }

    public PerformContext Perform(BackgroundJob job, IJobCancellationToken? token = null) =>
        new(Storage, Connection, job, token ?? new JobCancellationToken(false));

    /// <summary>An election of <paramref name="candidate"/> for a job that is <paramref name="current"/> now.</summary>
    public ElectStateContext Elect(BackgroundJob job, IState candidate, string? current = ProcessingStateName)
    {
        var transaction = Connection.CreateWriteTransaction();
        return new ElectStateContext(new ApplyStateContext(Storage, Connection, transaction, job, candidate, current));
    }

    public CreatingContext Creating(Job job, IDictionary<string, object?> parameters) =>
        new(new CreateContext(Storage, Connection, job, new EnqueuedState(), parameters!));

    /// <summary>Moves the job through Hangfire's state changer, with <paramref name="filters"/> as the only filters.</summary>
    public IState? ChangeState(string id, IState state, JobFilterCollection filters) =>
        new BackgroundJobStateChanger(filters).ChangeState(new StateChangeContext(Storage, Connection, id, state));

    public string? State(string id) => Connection.GetJobData(id)?.State;

    public string? Parameter(string id, string name) => Connection.GetJobParameter(id, name);

    public HashSet<string> Set(string key) => Connection.GetAllItemsFromSet(key);

    public void Dispose()
    {
        Connection.Dispose();
        Storage.Dispose();
    }

    private const string ProcessingStateName = "Processing";
}
