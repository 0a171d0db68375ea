package io.exostate.core.journal;

import io.exostate.core.loop.Journal;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The journal on Chronicle Queue. Each document is {@code [type int8][log index int64][bytes]}: type 1 a batch of
 * commands, type 2 the transitions that batch produced. Documents are keyed by our log index, never by Chronicle's
 * own index (it embeds a wall-clock cycle).
 * <p>
 * Durability: by default a document is in the page cache when {@link #commit()} returns, which survives the process
 * being killed (SIGKILL) but not the machine losing power. With {@code fsync} every commit syncs the queue file
 * before the replies of the batch leave (one sync per batch: group commit).
 * <p>
 * <b>Threading:</b> one appender thread, the engine thread, which owns this object. Chronicle's usage analytics are
 * disabled by the JVM flags of the root pom and its analytics jar is excluded from the build.
 */
public final class ChronicleJournal implements Journal
{
    private static final byte TYPE_BATCH = 1;
    private static final byte TYPE_TRANSITIONS = 2;
    private static final String SUFFIX = ".cq4";

    private final Path dir;
    private final boolean fsync;
    private final long retentionMs;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private byte[] scratch = new byte[64 * 1024];
    private long syncs;

    /**
     * @param dir         the queue's directory (created when missing).
     * @param fsync       sync each commit to the device (survives power loss) instead of leaving it to the OS.
     * @param retentionMs journal files older than this are deleted once a snapshot covers them.
     */
    public ChronicleJournal(final Path dir, final boolean fsync, final long retentionMs)
    {
        this(dir, fsync, retentionMs, null);
    }

    /** As above, with the clock Chronicle uses to name its hourly files (tests roll files without waiting). */
    ChronicleJournal(final Path dir, final boolean fsync, final long retentionMs,
        final net.openhft.chronicle.core.time.TimeProvider fileClock)
    {
        this.dir = dir;
        this.fsync = fsync;
        this.retentionMs = retentionMs;
        try
        {
            Files.createDirectories(dir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create journal directory " + dir, ex);
        }
        final SingleChronicleQueueBuilder builder = SingleChronicleQueueBuilder.single(dir.toFile())
            .rollCycle(RollCycles.FAST_HOURLY);
        if (fileClock != null)
        {
            builder.timeProvider(fileClock);
        }
        queue = builder.build();
        appender = queue.createAppender();
    }

    public Path dir()
    {
        return dir;
    }

    public boolean fsync()
    {
        return fsync;
    }

    /** Number of syncs performed (fsync mode). */
    public long syncs()
    {
        return syncs;
    }

    @Override
    public void appendBatch(final long logIndex, final DirectBuffer buffer, final int offset, final int length)
    {
        append(TYPE_BATCH, logIndex, buffer, offset, length);
    }

    @Override
    public void appendTransitions(final long logIndex, final DirectBuffer buffer, final int offset, final int length)
    {
        append(TYPE_TRANSITIONS, logIndex, buffer, offset, length);
    }

    private void append(final byte type, final long logIndex, final DirectBuffer buffer, final int offset,
        final int length)
    {
        if (scratch.length < length)
        {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        buffer.getBytes(offset, scratch, 0, length);
        try (DocumentContext dc = appender.writingDocument())
        {
            final Bytes<?> bytes = dc.wire().bytes();
            bytes.writeByte(type);
            bytes.writeLong(logIndex);
            bytes.write(scratch, 0, length);
        }
    }

    @Override
    public void commit()
    {
        if (fsync)
        {
            appender.sync();
            syncs++;
        }
    }

    @Override
    public long replay(final long afterLogIndex, final BatchHandler handler)
    {
        return read(afterLogIndex, (type, logIndex, buffer, offset, length) ->
        {
            if (type == TYPE_BATCH)
            {
                handler.onBatch(logIndex, buffer, offset, length);
            }
        });
    }

    /** Receives every document of the journal (history tools and tests). */
    @FunctionalInterface
    public interface DocumentHandler
    {
        void onDocument(byte type, long logIndex, DirectBuffer buffer, int offset, int length);
    }

    /** Reads documents with a log index above {@code afterLogIndex}; returns the last batch index seen. */
    public long read(final long afterLogIndex, final DocumentHandler handler)
    {
        long last = afterLogIndex;
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        byte[] buf = new byte[64 * 1024];
        try (ExcerptTailer tailer = queue.createTailer())
        {
            while (true)
            {
                try (DocumentContext dc = tailer.readingDocument())
                {
                    if (!dc.isPresent())
                    {
                        break;
                    }
                    final Bytes<?> bytes = dc.wire().bytes();
                    final byte type = bytes.readByte();
                    final long logIndex = bytes.readLong();
                    final int length = (int)bytes.readRemaining();
                    if (logIndex <= afterLogIndex)
                    {
                        continue;
                    }
                    if (buf.length < length)
                    {
                        buf = new byte[Math.max(length, buf.length * 2)];
                    }
                    bytes.read(buf, 0, length);
                    view.wrap(buf, 0, length);
                    handler.onDocument(type, logIndex, view, 0, length);
                    if (type == TYPE_BATCH)
                    {
                        last = logIndex;
                    }
                }
            }
        }
        return last;
    }

    /** The document types {@link #read} reports: a batch of commands, and the transitions it produced. */
    public static final byte TRANSITIONS = TYPE_TRANSITIONS;
    public static final byte BATCH = TYPE_BATCH;

    @Override
    public int purge(final long snapshotLogIndex, final long nowMs)
    {
        // Every file but the one being written holds only batches the snapshot just taken covers.
        final File current = appender.currentFile();
        final List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir))
        {
            s.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().forEach(files::add);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list journal " + dir, ex);
        }
        int deleted = 0;
        for (final Path p : files)
        {
            if (current != null && p.toFile().getAbsoluteFile().equals(current.getAbsoluteFile()))
            {
                continue;
            }
            try
            {
                if (nowMs - Files.getLastModifiedTime(p).toMillis() > retentionMs && Files.deleteIfExists(p))
                {
                    deleted++;
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot delete journal file " + p, ex);
            }
        }
        if (deleted > 0)
        {
            queue.refreshDirectoryListing();
        }
        return deleted;
    }

    @Override
    public void close()
    {
        appender.close();
        queue.close();
    }
}
