package io.exostate.core.loop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Engine snapshots on disk: {@code snapshot-<log index, 20 digits>.bin}, each written to a temporary file, synced,
 * then atomically renamed, so a crash never leaves a half snapshot under a real name. A snapshot file is
 * {@code [magic int64][log index int64][crc32c int64][engine snapshot bytes]}; a file whose checksum fails is
 * skipped and the next older one is used. The newest {@link #keep} snapshots are kept.
 * <p>
 * Engine thread only.
 */
public final class SnapshotStore
{
    private static final long MAGIC = 0x5041_4E53_534F_5845L; // "EXOSSNAP"
    private static final String PREFIX = "snapshot-";
    private static final String SUFFIX = ".bin";

    /** A loaded snapshot. */
    public record Snapshot(long logIndex, byte[] bytes)
    {
    }

    private final Path dir;
    private final int keep;

    public SnapshotStore(final Path dir, final int keep)
    {
        if (keep < 1)
        {
            throw new IllegalArgumentException("keep must be >= 1: " + keep);
        }
        this.dir = dir;
        this.keep = keep;
        try
        {
            Files.createDirectories(dir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create snapshot directory " + dir, ex);
        }
    }

    public Path dir()
    {
        return dir;
    }

    /** Writes the snapshot covering every batch up to {@code logIndex}, durably, then prunes old ones. */
    public void write(final long logIndex, final byte[] engineSnapshot)
    {
        final Path target = dir.resolve(name(logIndex));
        final Path tmp = dir.resolve(name(logIndex) + ".tmp");
        final CRC32C crc = new CRC32C();
        crc.update(engineSnapshot);
        final ByteBuffer head = ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        head.putLong(MAGIC).putLong(logIndex).putLong(crc.getValue()).flip();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            ch.write(new ByteBuffer[]{head, ByteBuffer.wrap(engineSnapshot)});
            ch.force(true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write snapshot " + tmp, ex);
        }
        try
        {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ))
            {
                d.force(true);
            }
            final List<Path> all = list();
            for (int i = 0; i < all.size() - keep; i++)
            {
                Files.deleteIfExists(all.get(i));
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot install snapshot " + target, ex);
        }
    }

    /** The newest readable snapshot, or null when there is none. */
    public Snapshot latest()
    {
        final List<Path> all = list();
        for (int i = all.size() - 1; i >= 0; i--)
        {
            final Snapshot s = read(all.get(i));
            if (s != null)
            {
                return s;
            }
        }
        return null;
    }

    private static Snapshot read(final Path file)
    {
        try
        {
            final byte[] all = Files.readAllBytes(file);
            if (all.length < 24)
            {
                return null;
            }
            final ByteBuffer head = ByteBuffer.wrap(all, 0, 24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (head.getLong() != MAGIC)
            {
                return null;
            }
            final long index = head.getLong();
            final long expected = head.getLong();
            final CRC32C crc = new CRC32C();
            crc.update(all, 24, all.length - 24);
            if (crc.getValue() != expected)
            {
                return null;
            }
            final byte[] bytes = new byte[all.length - 24];
            System.arraycopy(all, 24, bytes, 0, bytes.length);
            return new Snapshot(index, bytes);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read snapshot " + file, ex);
        }
    }

    private List<Path> list()
    {
        final List<Path> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir))
        {
            files.filter(p ->
            {
                final String n = p.getFileName().toString();
                return n.startsWith(PREFIX) && n.endsWith(SUFFIX);
            }).sorted().forEach(out::add);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list snapshots in " + dir, ex);
        }
        return out;
    }

    private static String name(final long logIndex)
    {
        return PREFIX + String.format("%020d", logIndex) + SUFFIX;
    }
}
