package io.exostate.core.loop;

import io.exostate.core.codec.Claimed;
import io.exostate.core.codec.CommandEncoder;
import io.exostate.core.codec.QueryEncoder;
import io.exostate.core.codec.ReplyDecoder;
import io.exostate.core.engine.EngineConfig;
import io.exostate.core.engine.Payloads;
import io.exostate.core.engine.Replies;
import io.exostate.core.engine.Views;
import io.exostate.core.journal.ChronicleJournal;
import io.exostate.core.model.FieldKind;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.SchemaField;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class EngineLoopTest
{
    private static final String NS = "ns";

    @TempDir
    Path dir;

    private EngineLoop loop;
    private final CommandEncoder commands = new CommandEncoder();
    private final QueryEncoder queries = new QueryEncoder();
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(4096);
    private final AtomicLong correlations = new AtomicLong();
    private final Map<Long, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();
    private final ReplyDecoder decoder = new ReplyDecoder();

    private final ReplySink sink = new ReplySink()
    {
        @Override
        public void onReply(final long correlationId, final DirectBuffer buffer, final int offset, final int length)
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            final CompletableFuture<Object> f = pending.remove(correlationId);
            if (f != null)
            {
                f.complete(copy);
            }
        }

        @Override
        public void onFlush()
        {
        }
    };

    @AfterEach
    void tearDown()
    {
        if (loop != null)
        {
            loop.close();
        }
    }

    private EngineLoop open()
    {
        final EngineLoop l = new EngineLoop(new EngineLoop.Context()
            .journal(new ChronicleJournal(dir.resolve("journal"), false, 3_600_000))
            .snapshots(new SnapshotStore(dir.resolve("snapshots"), 2))
            .snapshotIntervalMs(0)).start();
        l.openSession(1, sink);
        return l;
    }

    private CompletableFuture<Object> send(final int length)
    {
        final long corr = correlations.incrementAndGet();
        final CompletableFuture<Object> f = new CompletableFuture<>();
        pending.put(corr, f);
        assertThat(loop.offer(1, corr, out, 0, length)).isEqualTo(CommandGateway.Offer.ACCEPTED);
        return f.thenApply(bytes -> decoder.decode(new UnsafeBuffer((byte[])bytes), 0, ((byte[])bytes).length));
    }

    private Object call(final int length) throws Exception
    {
        return send(length).get(10, TimeUnit.SECONDS);
    }

    private void setUpGraph() throws Exception
    {
        final NodeRegistration reg = new NodeRegistration("Work", List.of(new SchemaField("x", FieldKind.STRING)),
            List.of(), List.of(), "{}", "{}");
        assertThat(((Replies.Register)call(commands.registerNodes(out, 0, NS, "rt", List.of(reg)))).ok()).isTrue();
        final GraphSpec g = new GraphSpec(NS, "g", List.of(new NodeTemplateSpec("Work", NS, "work",
            List.of(TemplateInput.of("x", "${{ store.x }}")), null, null)), Map.of(), RetryPolicySpec.DEFAULT,
            new StoreConfigSpec(List.of(), Map.of("x", "default")), List.of());
        final Replies.Upsert up = (Replies.Upsert)call(commands.upsertGraph(out, 0, g));
        assertThat(up.ok()).as("%s", up).isTrue();
        assertThat(up.graph().validationStatus()).isEqualTo("VALID");
    }

    private String trigger(final String runId) throws Exception
    {
        final Replies.Trigger t = (Replies.Trigger)call(commands.trigger(out, 0, NS, "g", runId, Map.of(),
            Map.of("x", "v-" + runId), 0));
        assertThat(t.ok()).as("%s", t).isTrue();
        return t.runId();
    }

    @Test
    @Timeout(30)
    void shouldRetireAFinishedRunWhileIdleWithoutAnotherRequest() throws Exception
    {
        loop = new EngineLoop(new EngineLoop.Context()
            .journal(new ChronicleJournal(dir.resolve("journal"), false, 3_600_000))
            .engineConfig(EngineConfig.DEFAULT.withRunRetentionMs(1))
            .snapshotIntervalMs(0)).start();
        loop.openSession(1, sink);
        setUpGraph();
        trigger("r1");
        final Claimed claimed = (Claimed)call(commands.claim(out, 0, NS, new String[]{"Work"}, 1, 1, 0));
        final byte[] outputs = Payloads.encodeList(List.of(Map.of()));
        assertThat(call(commands.executed(out, 0, NS, claimed.states().get(0).stateId(),
            claimed.states().get(0).claimToken(), new UnsafeBuffer(outputs), 0, outputs.length)))
            .isEqualTo(Replies.Executed.OK);
        assertThat(loop.statesInMemory()).isEqualTo(1);

        // No further request: the loop ticks itself once the run is due (rounded up to a second) and retires it.
        while (loop.statesInMemory() != 0)
        {
            Thread.sleep(20);
        }
        final Views.RunsPage page = (Views.RunsPage)call(queries.listRuns(out, 0, NS, 1, 10));
        assertThat(page.runs()).extracting(Views.RunSummary::status).containsExactly("SUCCESS");
    }

    @Test
    void shouldApplyCommandsAnswerQueriesAndReplayTheJournalAfterRestart() throws Exception
    {
        loop = open();
        setUpGraph();
        trigger("r1");
        trigger("r2");
        final Claimed claimed = (Claimed)call(commands.claim(out, 0, NS, new String[]{"Work"}, 1, 1, 0));
        assertThat(claimed.states()).hasSize(1);
        final byte[] outputs = Payloads.encodeList(List.of(Map.of()));
        final Object executed = call(commands.executed(out, 0, NS, claimed.states().get(0).stateId(),
            claimed.states().get(0).claimToken(), new UnsafeBuffer(outputs), 0, outputs.length));
        assertThat(executed).isEqualTo(Replies.Executed.OK);
        final Views.RunsPage page = (Views.RunsPage)call(queries.listRuns(out, 0, NS, 1, 10));
        assertThat(page.runs()).extracting(Views.RunSummary::status).containsExactly("PENDING", "SUCCESS");

        final long applied = loop.appliedLogIndex();
        loop.close();
        final byte[] before = loop.engine().snapshot();

        // Restart without a snapshot: the journal alone must rebuild the same engine.
        for (final java.io.File f : dir.resolve("snapshots").toFile().listFiles())
        {
            assertThat(f.delete()).isTrue();
        }
        loop = open();
        assertThat(loop.appliedLogIndex()).isEqualTo(applied);
        loop.close();
        assertThat(loop.engine().snapshot()).isEqualTo(before);
        loop = null;
    }

    @Test
    void shouldRestoreFromSnapshotThenReplayTheRest() throws Exception
    {
        loop = open();
        setUpGraph();
        trigger("r1");
        loop.close(); // takes a snapshot at close
        loop = open();
        trigger("r2");
        loop.close();
        final byte[] expected = loop.engine().snapshot();
        loop = open();
        loop.close();
        assertThat(loop.engine().snapshot()).isEqualTo(expected);
        loop = null;
    }

    @Test
    void shouldParkLongPollClaimAndServeItWhenWorkArrives() throws Exception
    {
        loop = open();
        setUpGraph();
        final CompletableFuture<Object> waiting = send(commands.claim(out, 0, NS, new String[]{"Work"}, 1, 1, 0, 10_000));
        Thread.sleep(100);
        assertThat(waiting).isNotDone();
        trigger("r1");
        final Claimed claimed = (Claimed)waiting.get(5, TimeUnit.SECONDS);
        assertThat(claimed.states()).hasSize(1);
        assertThat(claimed.states().get(0).inputs()).isEqualTo(Payloads.encodeMap(Map.of("x", "v-r1")));
    }

    @Test
    void shouldAnswerEmptyWhenTheLongPollWaitEnds() throws Exception
    {
        loop = open();
        setUpGraph();
        final long start = System.nanoTime();
        final Claimed claimed = (Claimed)call(commands.claim(out, 0, NS, new String[]{"Work"}, 1, 1, 0, 300));
        assertThat(claimed.states()).isEmpty();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(250);
    }

    @Test
    void shouldStopApplyingAfterAnInternalError() throws Exception
    {
        final java.util.concurrent.atomic.AtomicInteger transitions = new java.util.concurrent.atomic.AtomicInteger();
        loop = new EngineLoop(new EngineLoop.Context().listener(new io.exostate.core.engine.EngineListener()
        {
            @Override
            public void onTransition(final long stateId, final String runId, final io.exostate.core.model.Status from,
                final io.exostate.core.model.Status to, final long time, final long claimToken)
            {
                if (transitions.incrementAndGet() == 1)
                {
                    throw new IllegalStateException("injected: a broken invariant");
                }
            }
        })).start();
        loop.openSession(1, sink);
        setUpGraph();
        final CompletableFuture<Object> first = send(commands.trigger(out, 0, NS, "g", "r1", Map.of(), Map.of(), 0));
        final long deadline = System.currentTimeMillis() + 5_000;
        while (loop.failure() == null && System.currentTimeMillis() < deadline)
        {
            Thread.sleep(10);
        }
        assertThat(loop.failure()).hasMessageContaining("injected");
        assertThat(loop.offer(1, 99, out, 0, commands.tick(out, 0))).isEqualTo(CommandGateway.Offer.CLOSED);
        Thread.sleep(100);
        assertThat(first).isNotDone();
        assertThat(transitions.get()).isEqualTo(1);
    }

    @Test
    void shouldAnswerBusyWhenTheRingIsFullWithoutBlocking()
    {
        final EngineLoop l = new EngineLoop(new EngineLoop.Context().ringCapacity(64 * 1024).maxMessageLength(1024));
        try
        {
            final int len = commands.tick(out, 0);
            CommandGateway.Offer last = CommandGateway.Offer.ACCEPTED;
            for (int i = 0; i < 10_000 && last == CommandGateway.Offer.ACCEPTED; i++)
            {
                last = l.offer(1, i, out, 0, len);
            }
            assertThat(last).isEqualTo(CommandGateway.Offer.BUSY);
            assertThat(l.offer(1, 1, new UnsafeBuffer(new byte[2048]), 0, 2048)).isEqualTo(CommandGateway.Offer.TOO_LARGE);
        }
        finally
        {
            l.close();
        }
    }
}
