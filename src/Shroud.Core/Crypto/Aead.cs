using System.Security.Cryptography;

namespace Shroud.Core.Crypto;

/// <summary>AES-256-GCM with a fresh random 96-bit nonce per call; output is nonce ‖ ciphertext ‖ tag.</summary>
public static class Aead
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Overhead = NonceSize + TagSize;

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeySize);

    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[Overhead + plaintext.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key, TagSize);
        gcm.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), associatedData);
        return output;
    }

    /// <summary>Opens a sealed buffer; every failure (short input, wrong key, altered byte, other associated data) is the same <see cref="CryptoFailure"/>.</summary>
    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData)
    {
        if (key.Length != KeySize || sealedData.Length < Overhead)
        {
            throw new CryptoFailure();
        }

        var length = sealedData.Length - Overhead;
        var plaintext = new byte[length];
        try
        {
            using var gcm = new AesGcm(key, TagSize);
            gcm.Decrypt(sealedData[..NonceSize], sealedData.Slice(NonceSize, length), sealedData[(NonceSize + length)..], plaintext, associatedData);
            return plaintext;
        }
        catch (CryptographicException)
        {
            throw new CryptoFailure();
        }
    }
}

/// <summary>The single, deliberately uninformative authentication failure of every crypto layer.</summary>
public sealed class CryptoFailure() : Exception("Authentication failed.");
