package io.exostate.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The API key and the secrets encryption key of a node: taken from the command line, else from the environment
 * (ExoState's and Exosphere's variable names), else from the data directory, else generated once and stored there
 * (owner-only file), so a node started with no configuration keeps the same keys across restarts: secrets in the
 * journal stay readable.
 */
public final class NodeKeys
{
    public static final String API_KEY_FILE = "api.key";
    public static final String SECRETS_KEY_FILE = "secrets.key";

    /** A key and where it came from (printed at start; the key itself never is, unless generated). */
    public record Key(String value, String source)
    {
    }

    private NodeKeys()
    {
    }

    public static Key apiKey(final String option, final java.util.Map<String, String> env, final Path dataDir)
    {
        if (option != null && !option.isEmpty())
        {
            return new Key(option, "--api-key");
        }
        for (final String name : new String[]{"EXOSTATE_API_KEY", "STATE_MANAGER_SECRET"})
        {
            final String v = env.get(name);
            if (v != null && !v.isEmpty())
            {
                return new Key(v, "$" + name);
            }
        }
        return stored(dataDir.resolve(API_KEY_FILE), 24);
    }

    public static Key secretsKey(final String option, final java.util.Map<String, String> env, final Path dataDir)
    {
        final Key key;
        if (option != null && !option.isEmpty())
        {
            key = new Key(option, "--secrets-key");
        }
        else if (env.get("SECRETS_ENCRYPTION_KEY") != null && !env.get("SECRETS_ENCRYPTION_KEY").isEmpty())
        {
            key = new Key(env.get("SECRETS_ENCRYPTION_KEY"), "$SECRETS_ENCRYPTION_KEY");
        }
        else
        {
            key = stored(dataDir.resolve(SECRETS_KEY_FILE), 32);
        }
        final byte[] raw;
        try
        {
            raw = Base64.getUrlDecoder().decode(key.value().trim());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("the secrets key (" + key.source() +
                ") must be URL-safe base64 of 32 bytes: " + ex.getMessage(), ex);
        }
        if (raw.length != 32)
        {
            throw new IllegalArgumentException("the secrets key (" + key.source() +
                ") must be URL-safe base64 of 32 bytes, but it decodes to " + raw.length + " bytes");
        }
        return new Key(key.value().trim(), key.source());
    }

    private static Key stored(final Path file, final int bytes)
    {
        try
        {
            if (Files.exists(file))
            {
                return new Key(Files.readString(file, StandardCharsets.UTF_8).trim(), file.toString());
            }
            final byte[] raw = new byte[bytes];
            new SecureRandom().nextBytes(raw);
            final String value = Base64.getUrlEncoder().encodeToString(raw);
            Files.createDirectories(file.getParent());
            Files.writeString(file, value + "\n", StandardCharsets.UTF_8);
            try
            {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
            catch (final UnsupportedOperationException ex)
            {
                // Not a POSIX file system: the file keeps the directory's default permissions.
                return new Key(value, file + " (generated)");
            }
            return new Key(value, file + " (generated)");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read or create " + file, ex);
        }
    }
}
