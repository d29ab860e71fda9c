using Ops.Supervision.Os;

namespace Ops.Processes.Native;

/// <summary>Decodes a waitpid status word (the WIFEXITED / WEXITSTATUS / WIFSIGNALED / WTERMSIG macros).</summary>
internal static class WaitStatus
{
    /// <summary>The exit of a reaped child; a status that is neither an exit nor a signal death never reaches here.</summary>
    public static ProcessExit Decode(int status)
    {
        int termSignal = status & 0x7f;
        if (termSignal == 0)
        {
            return ProcessExit.Exited((status >> 8) & 0xff);
        }

        // 0x7f marks a stopped child, which waitpid without WUNTRACED never reports; treat it as a signal to stay total.
        return ProcessExit.Killed(termSignal);
    }
}
