using System.Runtime.InteropServices;

namespace Ops.Processes.Native;

/// <summary>A local user as the passwd database knows it.</summary>
internal sealed record UserAccount(string Name, uint Uid, uint Gid, string Home)
{
    /// <summary>Looks <paramref name="name"/> up with getpwnam_r (thread-safe); null when no such user exists.</summary>
    /// <exception cref="InvalidOperationException">The lookup itself failed (NSS error).</exception>
    public static unsafe UserAccount? Find(string name)
    {
        nuint size = 1024;
        while (true)
        {
            byte* buffer = (byte*)NativeMemory.Alloc(size);
            try
            {
                Libc.Passwd entry;
                Libc.Passwd* result;
                int error = Libc.getpwnam_r(name, &entry, buffer, size, &result);
                if (error == LinuxConstants.ERANGE && size < 1024 * 1024)
                {
                    size *= 4;
                    continue;
                }

                if (error is not 0 and not LinuxConstants.ENOENT and not LinuxConstants.ESRCH)
                {
                    throw new InvalidOperationException($"looking up user '{name}' failed: {Errno.Describe(error)}");
                }

                if (error != 0 || result is null)
                {
                    return null;
                }

                string home = Marshal.PtrToStringUTF8((nint)entry.Home) ?? "/";
                return new UserAccount(name, entry.Uid, entry.Gid, home);
            }
            finally
            {
                NativeMemory.Free(buffer);
            }
        }
    }
}
