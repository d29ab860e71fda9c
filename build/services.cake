// What the tests need before `dotnet test` runs. The Test task calls StartTestServices first and
// StopTestServices when it is done (also after a failure).
//
// Hook for the services of later issues: add one function per service (e.g. StartPostgreSql, which starts a
// server and exports OPS_TEST_POSTGRES for the test projects) and call it from StartTestServices, with its stop
// in StopTestServices.

public void StartTestServices()
{
    // The service tests check the generated unit with systemd-analyze verify.
    EnsurePrerequisites("test");
}

public void StopTestServices()
{
}
