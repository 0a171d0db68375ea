package io.exostate.transport;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Secrets encryption at the edge (decision 11), compatible with Exosphere's stored form (SPEC §1.5): AES-256-GCM
 * with the key given as URL-safe base64 of 32 bytes ({@code SECRETS_ENCRYPTION_KEY}), a random 12-byte nonce per
 * value, no associated data; the token is the URL-safe base64 (padded) of {@code nonce || ciphertext || 16-byte tag}.
 * <p>
 * Thread safe: a {@link Cipher} is created per call (cold path: upserts and secret reads).
 */
public final class SecretsCipher
{
    private static final int NONCE_LENGTH = 12;
    private static final int TAG_BITS = 128;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param base64Key URL-safe base64 of exactly 32 bytes (padding optional).
     * @throws IllegalArgumentException when the key is not that.
     */
    public SecretsCipher(final String base64Key)
    {
        this.key = new SecretKeySpec(decodeKey(base64Key), "AES");
    }

    /** Checks a key without keeping it; throws {@link IllegalArgumentException} with the reason. */
    public static byte[] decodeKey(final String base64Key)
    {
        if (base64Key == null || base64Key.isEmpty())
        {
            throw new IllegalArgumentException("secrets key is required (URL-safe base64 of 32 bytes)");
        }
        final byte[] raw;
        try
        {
            raw = Base64.getUrlDecoder().decode(base64Key.trim());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("secrets key is not URL-safe base64: " + ex.getMessage(), ex);
        }
        if (raw.length != 32)
        {
            throw new IllegalArgumentException("secrets key must decode to 32 bytes, but decodes to " + raw.length);
        }
        return raw;
    }

    /** A fresh random key in the accepted format, for tests and first-time setup. */
    public static String generateKey()
    {
        final byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return Base64.getUrlEncoder().encodeToString(raw);
    }

    public String encrypt(final String plaintext)
    {
        final byte[] nonce = new byte[NONCE_LENGTH];
        random.nextBytes(nonce);
        try
        {
            final Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            final byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            final byte[] token = new byte[NONCE_LENGTH + sealed.length];
            System.arraycopy(nonce, 0, token, 0, NONCE_LENGTH);
            System.arraycopy(sealed, 0, token, NONCE_LENGTH, sealed.length);
            return Base64.getUrlEncoder().encodeToString(token);
        }
        catch (final GeneralSecurityException ex)
        {
            // AES/GCM is mandatory in every Java SE runtime: failing here means a broken JVM, not bad input.
            throw new IllegalStateException("AES-GCM encryption unavailable", ex);
        }
    }

    /**
     * @throws GeneralSecurityException when the token is not one this key sealed (wrong key, tampered, malformed).
     */
    public String decrypt(final String token) throws GeneralSecurityException
    {
        final byte[] raw;
        try
        {
            raw = Base64.getUrlDecoder().decode(token);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new GeneralSecurityException("secret is not URL-safe base64", ex);
        }
        if (raw.length < NONCE_LENGTH + TAG_BITS / 8)
        {
            throw new GeneralSecurityException("secret is too short to be sealed: " + raw.length + " bytes");
        }
        final Cipher cipher = Cipher.getInstance(TRANSFORMATION);
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, raw, 0, NONCE_LENGTH));
        final byte[] plain = cipher.doFinal(raw, NONCE_LENGTH, raw.length - NONCE_LENGTH);
        return new String(plain, StandardCharsets.UTF_8);
    }
}
