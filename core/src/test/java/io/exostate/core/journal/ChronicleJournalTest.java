package io.exostate.core.journal;

import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ChronicleJournalTest
{
    private static final long HOUR = 3_600_000;

    @TempDir
    Path dir;

    private static UnsafeBuffer bytes(final String s)
    {
        return new UnsafeBuffer(s.getBytes());
    }

    private List<Path> files() throws IOException
    {
        try (Stream<Path> s = Files.list(dir))
        {
            return s.filter(p -> p.toString().endsWith(".cq4")).sorted().toList();
        }
    }

    @Test
    void shouldReplayBatchesAfterAnIndexAndKeepTransitionsBeside() throws Exception
    {
        try (ChronicleJournal journal = new ChronicleJournal(dir, false, HOUR))
        {
            for (int i = 1; i <= 5; i++)
            {
                journal.appendBatch(i, bytes("batch" + i), 0, 6);
                journal.appendTransitions(i, bytes("trans" + i), 0, 6);
                journal.commit();
            }
        }
        try (ChronicleJournal journal = new ChronicleJournal(dir, true, HOUR))
        {
            final List<String> seen = new ArrayList<>();
            final long last = journal.replay(2, (index, buffer, offset, length) ->
                seen.add(index + ":" + buffer.getStringWithoutLengthAscii(offset, length)));
            assertThat(seen).containsExactly("3:batch3", "4:batch4", "5:batch5");
            assertThat(last).isEqualTo(5);
            final List<String> all = new ArrayList<>();
            journal.read(0, (type, index, buffer, offset, length) ->
                all.add(type + "/" + index + ":" + buffer.getStringWithoutLengthAscii(offset, length)));
            assertThat(all).hasSize(10).contains("2/4:trans4");
            journal.appendBatch(6, bytes("batch6"), 0, 6);
            journal.commit();
            assertThat(journal.syncs()).isEqualTo(1);
        }
    }

    @Test
    void shouldPurgeOnlyOldFilesOtherThanTheOneBeingWritten() throws Exception
    {
        final SetTimeProvider clock = new SetTimeProvider(1_700_000_000_000L);
        try (ChronicleJournal journal = new ChronicleJournal(dir, false, HOUR, clock))
        {
            journal.appendBatch(1, bytes("batch1"), 0, 6);
            clock.advanceMillis(2 * HOUR);
            journal.appendBatch(2, bytes("batch2"), 0, 6);
            final List<Path> before = files();
            assertThat(before).hasSize(2);
            // Both files are recent: nothing is old enough to go.
            assertThat(journal.purge(2, System.currentTimeMillis())).isZero();
            for (final Path p : before)
            {
                Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() - 3 * HOUR));
            }
            // The old cycle goes; the one being written stays whatever its age.
            assertThat(journal.purge(2, System.currentTimeMillis())).isEqualTo(1);
            assertThat(files()).containsExactly(before.get(1));
            final List<Long> replayed = new ArrayList<>();
            journal.replay(0, (index, buffer, offset, length) -> replayed.add(index));
            assertThat(replayed).containsExactly(2L);
        }
    }
}
