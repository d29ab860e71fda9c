using System.Runtime.InteropServices;
using System.Text;

namespace Ops.Processes.Native;

/// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings in native memory (argv, envp).</summary>
internal sealed unsafe class NativeStringArray : IDisposable
{
    private readonly int _count;

    public NativeStringArray(IReadOnlyList<string> items)
    {
        _count = items.Count;
        Pointer = (byte**)NativeMemory.AllocZeroed((nuint)(_count + 1), (nuint)sizeof(byte*));
        for (int i = 0; i < _count; i++)
        {
            string item = items[i];
            int length = Encoding.UTF8.GetByteCount(item);
            byte* text = (byte*)NativeMemory.Alloc((nuint)length + 1);
            Encoding.UTF8.GetBytes(item, new Span<byte>(text, length));
            text[length] = 0;
            Pointer[i] = text;
        }
    }

    /// <summary>The char** to hand to libc; valid until disposed.</summary>
    public byte** Pointer { get; private set; }

    public void Dispose()
    {
        if (Pointer is null)
        {
            return;
        }

        for (int i = 0; i < _count; i++)
        {
            NativeMemory.Free(Pointer[i]);
        }

        NativeMemory.Free(Pointer);
        Pointer = null;
    }
}
