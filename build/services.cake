// What the tests need before `dotnet test` runs. The Test task calls StartTestServices first and
// StopTestServices when it is done (also after a failure).
//
// PostgreSQL: the test projects start a throwaway cluster themselves (initdb, pg_ctl, a free port, fsync off) unless
// OPS_TEST_POSTGRES names a server; here we only make sure its binaries (and chromium, for the console's browser
// test) are installed.

public void StartTestServices()
{
    // systemd-analyze (the service tests), PostgreSQL's server binaries (task tests), chromium (console test).
    EnsurePrerequisites("test");
}

public void StopTestServices()
{
}
