package io.exostate.transport;

import io.exostate.core.codec.Claimed;
import io.exostate.core.codec.ClaimedState;
import io.exostate.core.codec.ViewReplies;
import io.exostate.core.engine.Payloads;
import io.exostate.core.engine.Replies;
import io.exostate.core.engine.Views;
import io.exostate.core.loop.EngineLoop;
import io.exostate.core.model.FieldKind;
import io.exostate.core.model.Status;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.SchemaField;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.exostate.transport.TestFrames.API_KEY;
import static io.exostate.transport.TestFrames.NS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server on a real loopback socket with a free port, in front of the real single-node {@link EngineLoop}: a
 * runtime's whole exchange, long-poll claims, garbage from one client that closes only that client, and a graceful
 * close that says SHUTTING_DOWN.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BinaryServerTest
{
    private final EngineLoop gateway = new EngineLoop(new EngineLoop.Context()
        .idleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 100_000))).start();
    private final TestFrames frames = new TestFrames();
    private BinaryServer server;

    @AfterEach
    void stop() throws InterruptedException
    {
        if (server != null)
        {
            server.close();
        }
        gateway.close();
        // The termination future completes on the event-loop thread just before it exits: give it a moment.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!binaryThreads().isEmpty() && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        assertThat(binaryThreads()).as("event-loop threads left behind").isEmpty();
    }

    BinaryServer start()
    {
        server = BinaryServer.start(new BinaryServer.Context()
            .gateway(gateway)
            .apiKey(API_KEY)
            .bindAddress("127.0.0.1")
            .port(0)
            .idleTimeoutMs(20_000)
            .shutdownTimeoutMs(2_000));
        return server;
    }

    @Test
    void shouldServeARuntimeThenKeepServingAfterAnotherClientSentGarbage() throws Exception
    {
        start();
        final long[] appliedBeforeGarbage = new long[1];
        try (SocketClient runtime = new SocketClient(server.port()))
        {
            final long sessionId = hello(runtime);
            assertThat(sessionId).isEqualTo(1);

            registerAndUpsert(runtime);

            runtime.send(frames.frameBytes(3,
                (b, o) -> frames.commands.trigger(b, o, NS, "greeting", "run-1", Map.of(), Map.of(), 0)));
            final Replies.Trigger triggered = (Replies.Trigger)reply(runtime, 3);
            assertThat(triggered.rejection()).isNull();
            assertThat(triggered.runId()).isEqualTo("run-1");

            runtime.send(frames.claim(4, NS, 10, 1_000, "Greet"));
            final Claimed claimed = (Claimed)reply(runtime, 4);
            assertThat(claimed.states()).hasSize(1);
            final ClaimedState state = claimed.states().get(0);
            assertThat(state.stateId()).isEqualTo(triggered.rootStateId());
            assertThat(state.inputsMap()).isEqualTo(Map.of("name", "world"));

            final byte[] outputs = Payloads.encodeList(List.of(Map.of("greeting", "hello world")));
            runtime.send(frames.frameBytes(5, (b, o) -> frames.commands.executed(b, o, NS, state.stateId(),
                state.claimToken(), new UnsafeBuffer(outputs), 0, outputs.length)));
            final Replies.Executed executed = (Replies.Executed)reply(runtime, 5);
            assertThat(executed.rejection()).isNull();

            runtime.send(frames.frameBytes(6, (b, o) -> frames.queries.listRuns(b, o, NS, 1, 10)));
            final Views.RunsPage runs = (Views.RunsPage)reply(runtime, 6);
            assertThat(runs.runs()).hasSize(1);
            assertThat(runs.runs().get(0).status()).isEqualTo("SUCCESS");

            runtime.send(frames.frameBytes(7, (b, o) -> frames.queries.getRunGraph(b, o, NS, "run-1")));
            final Views.RunGraph graph = (Views.RunGraph)reply(runtime, 7);
            assertThat(graph.nodes()).extracting(Views.GraphNode::status).containsExactly(Status.SUCCESS);

            // Garbage: a well-framed message of another schema. This client is told and closed...
            appliedBeforeGarbage[0] = gateway.appliedLogIndex();
            runtime.send(TestFrames.frameBytes(8, SessionHandlerTest.header(0, 4, 42, 1)));
            final TestFrames.Frame error = runtime.read();
            assertThat(error.correlationId()).isEqualTo(8);
            assertThat(error.transportError().typed()).isEqualTo(TransportErrorCode.UNSUPPORTED_VERSION);
            assertThat(runtime.closedByServer()).isTrue();
        }
        // ...and the server keeps serving the next one.
        try (SocketClient client = new SocketClient(server.port()))
        {
            assertThat(hello(client)).isEqualTo(2);
            client.send(frames.frameBytes(9, (b, o) -> frames.queries.listNamespaces(b, o)));
            final ViewReplies.Namespaces namespaces = (ViewReplies.Namespaces)reply(client, 9);
            assertThat(namespaces.namespaces()).containsExactly(NS);
            assertThat(gateway.appliedLogIndex()).as("no command applied since the garbage")
                .isEqualTo(appliedBeforeGarbage[0]);
        }
        awaitConnections(0);
        assertThat(server.counters().sessionsOpened()).isEqualTo(2);
        assertThat(server.counters().requestsOffered()).isEqualTo(8);
        assertThat(server.counters().errorsSent(TransportErrorCode.UNSUPPORTED_VERSION)).isEqualTo(1);
    }

    @Test
    void shouldRefuseAWrongKeyOverTheSocket() throws Exception
    {
        start();
        try (SocketClient client = new SocketClient(server.port()))
        {
            client.send(frames.hello(NS, "not-the-key"));
            final TestFrames.Frame error = client.read();
            assertThat(error.transportError().typed()).isEqualTo(TransportErrorCode.AUTH_FAILED);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void shouldSayShuttingDownToOpenSessionsOnClose() throws Exception
    {
        start();
        try (SocketClient a = new SocketClient(server.port()); SocketClient b = new SocketClient(server.port()))
        {
            hello(a);
            hello(b);
            awaitConnections(2);
            server.close();
            for (final SocketClient client : new SocketClient[]{ a, b })
            {
                final TestFrames.Frame error = client.read();
                assertThat(error.transportError().typed()).isEqualTo(TransportErrorCode.SHUTTING_DOWN);
                assertThat(client.closedByServer()).isTrue();
            }
        }
        assertThat(server.counters().connectionsClosed()).isEqualTo(2);
    }

    @Test
    void shouldPushAParkedClaimWhenWorkArrivesAndAnswerLaterRequestsMeanwhile() throws Exception
    {
        start();
        try (SocketClient runtime = new SocketClient(server.port());
            SocketClient client = new SocketClient(server.port()))
        {
            hello(runtime);
            hello(client);
            registerAndUpsert(client);

            runtime.send(frames.claim(10, NS, 5, 10_000, "Greet"));
            runtime.send(frames.frameBytes(11, (b, o) -> frames.queries.listNamespaces(b, o)));
            assertThat(reply(runtime, 11)).as("the query overtakes the parked claim")
                .isInstanceOf(ViewReplies.Namespaces.class);

            client.send(frames.frameBytes(3,
                (b, o) -> frames.commands.trigger(b, o, NS, "greeting", "run-9", Map.of(), Map.of(), 0)));
            assertThat(((Replies.Trigger)reply(client, 3)).rejection()).isNull();

            final Claimed claimed = (Claimed)reply(runtime, 10);
            assertThat(claimed.states()).extracting(ClaimedState::runId).containsExactly("run-9");
        }
    }

    @Test
    void shouldAnswerAParkedClaimWithNothingWhenItsWaitEnds() throws Exception
    {
        start();
        try (SocketClient runtime = new SocketClient(server.port()))
        {
            hello(runtime);
            final long sent = System.nanoTime();
            runtime.send(frames.claim(12, NS, 5, 200, "Nobody"));
            final Claimed claimed = (Claimed)reply(runtime, 12);
            assertThat(claimed.states()).isEmpty();
            assertThat(System.nanoTime() - sent).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(150));
        }
    }

    @Test
    void shouldAnswerAClaimSentAgainOnANewSessionWithTheStatesTheFirstOneClaimed() throws Exception
    {
        start();
        final byte[] claim = frames.frameBytes(20, (b, o) -> frames.commands.claim(
            b, o, NS, new String[]{"Greet"}, 1, 2, 30_000, 0, 0x5E55_1011L, 7));
        final Claimed first;
        try (SocketClient runtime = new SocketClient(server.port()))
        {
            hello(runtime);
            registerAndUpsert(runtime);
            for (int i = 0; i < 3; i++)
            {
                final String runId = "run-" + i;
                runtime.send(frames.frameBytes(3,
                    (b, o) -> frames.commands.trigger(b, o, NS, "greeting", runId, Map.of(), Map.of(), 0)));
                assertThat(((Replies.Trigger)reply(runtime, 3)).rejection()).isNull();
            }
            runtime.send(claim);
            first = (Claimed)reply(runtime, 20);
            assertThat(first.states()).extracting(ClaimedState::runId).containsExactly("run-0", "run-1");
        }
        // The runtime lost the answer with its connection and sends the same claim on its next session.
        try (SocketClient runtime = new SocketClient(server.port()))
        {
            hello(runtime);
            runtime.send(claim);
            assertThat(((Claimed)reply(runtime, 20)).states()).isEqualTo(first.states());

            runtime.send(frames.claim(21, NS, 10, 0, "Greet"));
            assertThat(((Claimed)reply(runtime, 21)).states()).extracting(ClaimedState::runId)
                .as("the resend claimed nothing more").containsExactly("run-2");
        }
    }

    @Test
    void shouldCloseAClientThatStopsReadingWithoutGrowingServerMemory() throws Exception
    {
        server = BinaryServer.start(new BinaryServer.Context()
            .gateway(gateway)
            .apiKey(API_KEY)
            .bindAddress("127.0.0.1")
            .port(0)
            .writeBufferLowWaterMark(32 * 1024)
            .writeBufferHighWaterMark(64 * 1024)
            .maxPendingBytes(256 * 1024)
            .slowConsumerTimeoutMs(300)
            .shutdownTimeoutMs(2_000));
        final String bigSchema = "{\"x\":\"" + "y".repeat(8 * 1024) + "\"}";
        try (SocketClient reader = new SocketClient(server.port()))
        {
            hello(reader);
            reader.send(frames.frameBytes(1, (b, o) -> frames.commands.registerNodes(b, o, NS, "rt", List.of(
                new NodeRegistration("Big", List.of(), List.of(), List.of(), bigSchema, "{}")))));
            assertThat(((Replies.Register)reply(reader, 1)).rejection()).isNull();
        }
        final TestFrames writerFrames = new TestFrames();
        final byte[] listNodes = writerFrames.frameBytes(2, (b, o) -> writerFrames.queries.listNodes(b, o, NS));
        final AtomicReference<Throwable> writerEnd = new AtomicReference<>();
        try (SocketClient stalled = new SocketClient(server.port(), 4096))
        {
            hello(stalled);
            // Ask for ~8 KiB replies as fast as the server reads, and never read them.
            final Thread writer = new Thread(() ->
            {
                try
                {
                    // Until the server closes the connection (bounded): a fixed count could all fit in the socket
                    // buffers of a loaded machine before the server notices the stall.
                    final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
                    while (System.nanoTime() < until)
                    {
                        stalled.send(listNodes);
                    }
                }
                catch (final IOException ex)
                {
                    writerEnd.set(ex); // the server closed the connection: what this test waits for
                }
            }, "stalled-client-writer");
            writer.start();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (server.counters().errorsSent(TransportErrorCode.SLOW_CONSUMER) == 0 &&
                System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            assertThat(server.counters().errorsSent(TransportErrorCode.SLOW_CONSUMER)).as("%s", server.counters())
                .isEqualTo(1);
            awaitConnections(0);
            writer.join(10_000);
            assertThat(writer.isAlive()).isFalse();
            assertThat(writerEnd.get()).as("the writer was stopped by the closed connection").isNotNull();
        }
    }

    private void registerAndUpsert(final SocketClient client) throws Exception
    {
        client.send(frames.frameBytes(1, (b, o) -> frames.commands.registerNodes(b, o, NS, "rt", List.of(
            new NodeRegistration("Greet", List.of(new SchemaField("name", FieldKind.STRING)),
                List.of(new SchemaField("greeting", FieldKind.STRING)), List.of(), "{}", "{}")))));
        assertThat(((Replies.Register)reply(client, 1)).rejection()).isNull();
        client.send(frames.frameBytes(2, (b, o) -> frames.commands.upsertGraph(b, o, greetingGraph())));
        final Replies.Upsert upserted = (Replies.Upsert)reply(client, 2);
        assertThat(upserted.rejection()).isNull();
        assertThat(upserted.graph().valid()).as("graph %s", upserted.graph()).isTrue();
    }

    @Test
    void shouldFailFastOnABadContext()
    {
        final BinaryServer.Context noKey = new BinaryServer.Context().gateway(gateway);
        org.assertj.core.api.Assertions.assertThatThrownBy(noKey::conclude)
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("API key");
        final BinaryServer.Context marks = new BinaryServer.Context().gateway(gateway).apiKey("k")
            .writeBufferLowWaterMark(10).writeBufferHighWaterMark(5);
        org.assertj.core.api.Assertions.assertThatThrownBy(marks::conclude)
            .isInstanceOf(IllegalStateException.class).hasMessageContaining(
                BinaryServer.Context.WRITE_BUFFER_HIGH_WATER_MARK_PROP_NAME);
    }

    private long hello(final SocketClient client) throws Exception
    {
        client.send(frames.hello());
        final TestFrames.Frame frame = client.read();
        assertThat(frame.correlationId()).isZero();
        final SessionCodec.HelloReply reply = frame.helloReply();
        assertThat(reply).as("HelloReply, got %s", frame).isNotNull();
        return reply.sessionId();
    }

    private static Object reply(final SocketClient client, final long correlationId) throws Exception
    {
        final TestFrames.Frame frame = client.read();
        assertThat(frame.correlationId()).isEqualTo(correlationId);
        assertThat(frame.isTransportError()).as("%s", frame).isFalse();
        return frame.reply();
    }

    private void awaitConnections(final int expected) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.connectionCount() != expected && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        assertThat(server.connectionCount()).isEqualTo(expected);
    }

    static GraphSpec greetingGraph()
    {
        return new GraphSpec(NS, "greeting",
            List.of(new NodeTemplateSpec("Greet", NS, "greet", List.of(TemplateInput.of("name", "world")), null,
                null)),
            Map.of(), RetryPolicySpec.DEFAULT, StoreConfigSpec.DEFAULT, List.of());
    }

    static List<String> binaryThreads()
    {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(Thread::isAlive)
            .map(Thread::getName)
            .filter(n -> n.startsWith("exostate-binary"))
            .toList();
    }
}
