using System.Buffers.Binary;
using System.Text;

namespace Shroud.Core.Crypto;

/// <summary>
/// Canonical, unambiguous associated data: a purpose label followed by length-prefixed fields,
/// so no two different field lists can encode to the same bytes.
/// </summary>
public static class AssociatedData
{
    public const string Data = "shroud/v1/data";
    public const string InnerDek = "shroud/v1/dek-inner";
    public const string OuterDek = "shroud/v1/dek-outer";
    public const string AppKek = "shroud/v1/app-kek";
    public const string FileName = "shroud/v1/file-name";
    public const string Audit = "shroud/v1/audit";

    public static byte[] For(string purpose, params object[] fields)
    {
        using var stream = new MemoryStream();
        Write(stream, Encoding.UTF8.GetBytes(purpose));
        foreach (var field in fields)
        {
            Write(stream, field switch
            {
                string s => Encoding.UTF8.GetBytes(s),
                byte[] b => b,
                int i => BigEndian(i),
                long l => BigEndian(l),
                _ => throw new ArgumentException($"Unsupported associated data field type {field.GetType().Name}.", nameof(fields)),
            });
        }

        return stream.ToArray();
    }

    private static void Write(Stream stream, byte[] bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
    }

    private static byte[] BigEndian(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }
}
