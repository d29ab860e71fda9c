using System.Globalization;
using System.Runtime.InteropServices;

namespace Ops.Processes.Native;

/// <summary>Reads errno after a libc call and turns error numbers into the text operators know (strerror).</summary>
internal static class Errno
{
    /// <summary>errno of the last P/Invoke declared with SetLastError.</summary>
    public static int Last => Marshal.GetLastPInvokeError();

    /// <summary>"No such file or directory (errno 2)".</summary>
    public static string Describe(int errno) =>
        string.Create(CultureInfo.InvariantCulture, $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
}
