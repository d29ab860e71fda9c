namespace Ops.Daemon.Service;

/// <summary>Registers and removes the opsd Windows service with the sc.exe calls of <see cref="WindowsServiceCommands"/>.</summary>
internal sealed class WindowsServiceInstaller(TextWriter output, TextWriter errors) : IServiceInstaller
{
    /// <summary>Prints the sc.exe calls that install would make.</summary>
    public int Print(ServiceRequest request)
    {
        if (!Validate(request))
        {
            return 1;
        }

        foreach (var call in WindowsServiceCommands.Install(request.ExecStart, request.ConfigPath, request.User))
        {
            output.WriteLine(WindowsServiceCommands.Render(call));
        }

        return 0;
    }

    /// <summary>Creates, configures and starts the service.</summary>
    public int Install(ServiceRequest request)
    {
        if (!Validate(request))
        {
            return 1;
        }

        foreach (var call in WindowsServiceCommands.Install(request.ExecStart, request.ConfigPath, request.User))
        {
            var (code, said) = ExternalCommand.Run(WindowsServiceCommands.Tool, call);
            if (code != 0)
            {
                errors.WriteLine($"`{WindowsServiceCommands.Render(call)}` failed (exit {code}): {said}");
                errors.WriteLine("run it from an elevated prompt (Administrator); `opsd service uninstall` removes a half-made service");
                return 1;
            }

            output.WriteLine(WindowsServiceCommands.Render(call));
        }

        return 0;
    }

    /// <summary>Stops and deletes the service; a stop that fails because it was not running is fine.</summary>
    public int Uninstall(ServiceRequest request)
    {
        var calls = WindowsServiceCommands.Uninstall();
        ExternalCommand.Run(WindowsServiceCommands.Tool, calls[0]);
        var (code, said) = ExternalCommand.Run(WindowsServiceCommands.Tool, calls[1]);
        if (code != 0)
        {
            errors.WriteLine($"`{WindowsServiceCommands.Render(calls[1])}` failed (exit {code}): {said}");
            return 1;
        }

        output.WriteLine($"removed the {WindowsServiceCommands.ServiceName} service");
        return 0;
    }

    private bool Validate(ServiceRequest request)
    {
        if (UnitPlanner.Plan(request, out var problems) is not null)
        {
            return true;
        }

        errors.WriteLine($"opsd service: {request.ConfigPath} cannot be installed as a service:");
        foreach (var problem in problems)
        {
            errors.WriteLine(problem);
        }

        return false;
    }
}
