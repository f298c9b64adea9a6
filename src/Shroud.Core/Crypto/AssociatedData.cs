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

    private const int LengthPrefix = sizeof(int);

    public static byte[] For(string purpose, params ReadOnlySpan<object> fields)
    {
        var size = LengthPrefix + Encoding.UTF8.GetByteCount(purpose);
        foreach (var field in fields)
        {
            size += LengthPrefix + field switch
            {
                string s => Encoding.UTF8.GetByteCount(s),
                byte[] b => b.Length,
                int or long => sizeof(long),
                _ => throw new ArgumentException($"Unsupported associated data field type {field.GetType().Name}.", nameof(fields)),
            };
        }

        // Sized first and written in place: this runs several times on every reveal.
        var bytes = new byte[size];
        var rest = bytes.AsSpan();
        WriteText(ref rest, purpose);
        foreach (var field in fields)
        {
            switch (field)
            {
                case string s:
                    WriteText(ref rest, s);
                    break;
                case byte[] b:
                    WriteLength(ref rest, b.Length);
                    b.CopyTo(rest);
                    rest = rest[b.Length..];
                    break;
                default:
                    WriteLength(ref rest, sizeof(long));
                    BinaryPrimitives.WriteInt64BigEndian(rest, field is int i ? i : (long)field);
                    rest = rest[sizeof(long)..];
                    break;
            }
        }

        return bytes;
    }

    private static void WriteText(ref Span<byte> rest, string text)
    {
        var length = Encoding.UTF8.GetBytes(text, rest[LengthPrefix..]);
        WriteLength(ref rest, length);
        rest = rest[length..];
    }

    private static void WriteLength(ref Span<byte> rest, int length)
    {
        BinaryPrimitives.WriteInt32BigEndian(rest, length);
        rest = rest[LengthPrefix..];
    }
}
