using System.Security.Cryptography;

namespace Shroud.Core.Crypto;

/// <summary>Where a sealed value lives; every field is bound into the associated data of the layer that needs it.</summary>
public sealed record RecordAddress(string AppId, string RefId, DateTimeOffset ExpiresAt, string ContentType);

/// <summary>What Shroud stores for one value: the data ciphertext and the twice-wrapped DEK with the app KEK version.</summary>
public sealed record SealedRecord(byte[] Ciphertext, byte[] WrappedDek, int KekVersion);

/// <summary>The envelope protocol of one value: DEK per value, wrapped by the caller's ref KEK and then by the app KEK.</summary>
public static class Envelope
{
    /// <summary>Seals <paramref name="plaintext"/>; the returned ref KEK is for the caller's reference only and is never stored.</summary>
    public static (SealedRecord Record, byte[] RefKek) Seal(ReadOnlySpan<byte> plaintext, RecordAddress address, AppKek kek)
    {
        var dek = Aead.NewKey();
        try
        {
            var ciphertext = Aead.Seal(dek, plaintext, DataAad(address));
            var (wrappedDek, refKek) = WrapDek(dek, address, kek);
            return (new SealedRecord(ciphertext, wrappedDek, kek.Version), refKek);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dek);
        }
    }

    /// <summary>Opens a sealed record; any mismatch of key, byte or address throws the one <see cref="CryptoFailure"/>.</summary>
    public static byte[] Open(SealedRecord record, RecordAddress address, AppKek kek, ReadOnlySpan<byte> refKek)
    {
        var dek = UnwrapDek(record, address, kek, refKek);
        try
        {
            return Aead.Open(dek, record.Ciphertext, DataAad(address));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dek);
        }
    }

    /// <summary>Wraps a DEK twice: by a new ref KEK (returned, never stored), then by the app KEK.</summary>
    public static (byte[] WrappedDek, byte[] RefKek) WrapDek(ReadOnlySpan<byte> dek, RecordAddress address, AppKek kek)
    {
        var refKek = Aead.NewKey();
        try
        {
            var inner = Aead.Seal(refKek, dek, AssociatedData.For(AssociatedData.InnerDek, address.AppId, address.RefId));
            return (Aead.Seal(kek.Key, inner, OuterAad(address, kek.Version)), refKek);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(refKek);
            throw;
        }
    }

    /// <summary>The DEK of a sealed record; the caller zeroes it after use.</summary>
    public static byte[] UnwrapDek(SealedRecord record, RecordAddress address, AppKek kek, ReadOnlySpan<byte> refKek)
    {
        if (kek.AppId != address.AppId || kek.Version != record.KekVersion)
        {
            throw new CryptoFailure();
        }

        var inner = Aead.Open(kek.Key, record.WrappedDek, OuterAad(address, kek.Version));
        return Aead.Open(refKek, inner, AssociatedData.For(AssociatedData.InnerDek, address.AppId, address.RefId));
    }

    /// <summary>Associated data of the data layer: app, ref id, expiry and content type.</summary>
    public static byte[] DataAad(RecordAddress address) =>
        AssociatedData.For(AssociatedData.Data, address.AppId, address.RefId, address.ExpiresAt.ToUnixTimeSeconds(), address.ContentType);

    private static byte[] OuterAad(RecordAddress address, int kekVersion) =>
        AssociatedData.For(AssociatedData.OuterDek, address.AppId, address.RefId, kekVersion);
}
