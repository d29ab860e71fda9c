using System.Runtime.InteropServices;

namespace Ops.Processes.Native;

/// <summary>What one posix_spawnp call needs: the file, argv, envp, the child's stdio and working directory.</summary>
/// <param name="File">The executable; an absolute path, so PATH search never depends on the daemon's environment.</param>
/// <param name="Argv">argv, argv[0] included.</param>
/// <param name="Envp">"NAME=value" entries.</param>
/// <param name="WorkingDirectory">Null: the daemon's.</param>
/// <param name="StdinFd">The child end of the stdin pipe, or -1 for /dev/null.</param>
/// <param name="StdoutFd">The child end of the stdout pipe.</param>
/// <param name="StderrFd">The child end of the stderr pipe.</param>
internal sealed record SpawnRequest(
    string File,
    IReadOnlyList<string> Argv,
    IReadOnlyList<string> Envp,
    string? WorkingDirectory,
    int StdinFd,
    int StdoutFd,
    int StderrFd);

/// <summary>
/// posix_spawnp with a new session (so the child leads its own process group), default signal dispositions and an
/// empty signal mask. glibc spawns with CLONE_VFORK, so it is safe and cheap in a multi-threaded process, and it
/// reports exec failures (ENOENT, EACCES) as the return value after reaping the failed child itself.
/// </summary>
internal static unsafe class PosixSpawn
{
    private static bool CloseFromUnavailable;

    /// <summary>Spawns the child; returns its pid, or throws <see cref="SpawnFailedException"/> with the error number.</summary>
    public static int Spawn(SpawnRequest request)
    {
        void* attributes = NativeMemory.AllocZeroed(LinuxConstants.SpawnAttributesSize);
        void* fileActions = NativeMemory.AllocZeroed(LinuxConstants.SpawnFileActionsSize);
        void* defaultSignals = NativeMemory.AllocZeroed(LinuxConstants.SigSetSize);
        void* emptyMask = NativeMemory.AllocZeroed(LinuxConstants.SigSetSize);
        bool attributesReady = false;
        bool fileActionsReady = false;
        try
        {
            Check(Libc.posix_spawnattr_init(attributes), "posix_spawnattr_init");
            attributesReady = true;
            Check(Libc.posix_spawn_file_actions_init(fileActions), "posix_spawn_file_actions_init");
            fileActionsReady = true;

            // The runtime ignores SIGPIPE and may block or handle other signals; ignored dispositions and the mask
            // survive exec, so every catchable classic signal is reset to default and the mask emptied.
            _ = Libc.sigemptyset(defaultSignals);
            for (int signal = 1; signal <= LinuxConstants.LastClassicSignal; signal++)
            {
                if (signal is not LinuxConstants.SIGKILL and not LinuxConstants.SIGSTOP)
                {
                    _ = Libc.sigaddset(defaultSignals, signal);
                }
            }

            _ = Libc.sigemptyset(emptyMask);
            Check(Libc.posix_spawnattr_setsigdefault(attributes, defaultSignals), "posix_spawnattr_setsigdefault");
            Check(Libc.posix_spawnattr_setsigmask(attributes, emptyMask), "posix_spawnattr_setsigmask");
            Check(
                Libc.posix_spawnattr_setflags(
                    attributes,
                    (short)(LinuxConstants.POSIX_SPAWN_SETSID | LinuxConstants.POSIX_SPAWN_SETSIGDEF | LinuxConstants.POSIX_SPAWN_SETSIGMASK)),
                "posix_spawnattr_setflags");

            if (request.StdinFd >= 0)
            {
                Check(Libc.posix_spawn_file_actions_adddup2(fileActions, request.StdinFd, 0), "adddup2(stdin)");
            }
            else
            {
                Check(Libc.posix_spawn_file_actions_addopen(fileActions, 0, "/dev/null", LinuxConstants.O_RDONLY, 0), "addopen(/dev/null)");
            }

            Check(Libc.posix_spawn_file_actions_adddup2(fileActions, request.StdoutFd, 1), "adddup2(stdout)");
            Check(Libc.posix_spawn_file_actions_adddup2(fileActions, request.StderrFd, 2), "adddup2(stderr)");
            if (request.WorkingDirectory is not null)
            {
                Check(Libc.posix_spawn_file_actions_addchdir_np(fileActions, request.WorkingDirectory), "addchdir_np");
            }

            AddCloseFrom(fileActions);

            using var argv = new NativeStringArray(request.Argv);
            using var envp = new NativeStringArray(request.Envp);
            int error = Libc.posix_spawnp(out int pid, request.File, fileActions, attributes, argv.Pointer, envp.Pointer);
            if (error != 0)
            {
                throw new SpawnFailedException(error);
            }

            return pid;
        }
        finally
        {
            if (fileActionsReady)
            {
                _ = Libc.posix_spawn_file_actions_destroy(fileActions);
            }

            if (attributesReady)
            {
                _ = Libc.posix_spawnattr_destroy(attributes);
            }

            NativeMemory.Free(attributes);
            NativeMemory.Free(fileActions);
            NativeMemory.Free(defaultSignals);
            NativeMemory.Free(emptyMask);
        }
    }

    /// <summary>
    /// Closes every descriptor above stderr in the child: descriptors the daemon inherited without close-on-exec
    /// (from systemd, a shell, a debugger) must not leak into supervised programs. glibc 2.34+; older: skipped.
    /// </summary>
    private static void AddCloseFrom(void* fileActions)
    {
        if (Volatile.Read(ref CloseFromUnavailable))
        {
            return;
        }

        try
        {
            Check(Libc.posix_spawn_file_actions_addclosefrom_np(fileActions, 3), "addclosefrom_np");
        }
        catch (EntryPointNotFoundException)
        {
            Volatile.Write(ref CloseFromUnavailable, true);
        }
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new SpawnFailedException(error, call);
        }
    }
}

/// <summary>posix_spawnp or one of its setup calls failed with <see cref="ErrorNumber"/>.</summary>
internal sealed class SpawnFailedException(int errorNumber, string? call = null)
    : Exception(call is null ? Errno.Describe(errorNumber) : $"{call}: {Errno.Describe(errorNumber)}")
{
    /// <summary>The errno value.</summary>
    public int ErrorNumber { get; } = errorNumber;
}
