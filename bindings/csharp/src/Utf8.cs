using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Webraft
{
    /// <summary>UTF-8 conversions at the native boundary, without unsafe code (Unity projects often disallow it).</summary>
    internal static class Utf8
    {
        static readonly UTF8Encoding Encoding = new UTF8Encoding(false, false);

        /// <summary>NUL-terminated UTF-8 bytes of <paramref name="text"/>; null stays null (C's NULL).</summary>
        internal static byte[] ToNative(string text)
        {
            if (text == null)
                return null;
            var bytes = new byte[Encoding.GetByteCount(text) + 1];
            Encoding.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }

        internal static int Length(UIntPtr length)
        {
            ulong value = length.ToUInt64();
            if (value > int.MaxValue)
                throw new OverflowException("a native string is longer than a .NET string can be");
            return (int)value;
        }

        /// <summary>Copies <paramref name="length"/> bytes at <paramref name="pointer"/>; NULL gives null.</summary>
        internal static byte[] CopyBytes(IntPtr pointer, int length)
        {
            if (pointer == IntPtr.Zero)
                return null;
            var bytes = new byte[length];
            Marshal.Copy(pointer, bytes, 0, length);
            return bytes;
        }

        internal static string Decode(byte[] bytes, int length)
        {
            return bytes == null ? null : Encoding.GetString(bytes, 0, length);
        }

        internal static string FromNative(IntPtr pointer, UIntPtr length)
        {
            int count = Length(length);
            return Decode(CopyBytes(pointer, count), count);
        }

        /// <summary>Copies a string the library handed over (caller-owned), then frees it; NULL gives null.</summary>
        internal static string Take(IntPtr pointer, UIntPtr length)
        {
            try
            {
                return FromNative(pointer, length);
            }
            finally
            {
                Native.webraft_string_free(pointer);
            }
        }

        /// <summary>Reads a NUL-terminated string; NULL gives null.</summary>
        internal static string FromNative(IntPtr pointer)
        {
            if (pointer == IntPtr.Zero)
                return null;
            int length = 0;
            while (Marshal.ReadByte(pointer, length) != 0)
                length++;
            return Decode(CopyBytes(pointer, length), length);
        }
    }
}
