namespace Ops.Daemon.Service;

/// <summary>One service manager: systemd or Windows' service control manager. Each returns opsd's exit code.</summary>
internal interface IServiceInstaller
{
    /// <summary>Registers, enables and (where the manager runs) starts opsd.</summary>
    int Install(ServiceRequest request);

    /// <summary>Stops and removes opsd's service; nothing to do is not an error.</summary>
    int Uninstall(ServiceRequest request);

    /// <summary>Shows what install would register, changing nothing.</summary>
    int Print(ServiceRequest request);
}
