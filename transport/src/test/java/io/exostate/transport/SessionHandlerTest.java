package io.exostate.transport;

import io.exostate.core.codec.sbe.HelloReplyDecoder;
import io.exostate.core.engine.Rejection;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.loop.CommandGateway;
import io.exostate.core.loop.ReplySink;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.embedded.EmbeddedChannel;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.exostate.transport.TestFrames.API_KEY;
import static io.exostate.transport.TestFrames.NS;
import static io.exostate.transport.TestFrames.buf;
import static io.exostate.transport.TestFrames.drain;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session's edge checks on an {@link EmbeddedChannel} built by the real {@link BinaryChannelInitializer}: every
 * bad frame gets its typed {@code TransportError} and a closed connection, and the gateway never sees it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SessionHandlerTest
{
    static final long IDLE_MS = 1_000;
    static final long SLOW_MS = 500;

    private final RecordingGateway gateway = new RecordingGateway();
    private final TestFrames frames = new TestFrames();
    private final TransportCounters counters = new TransportCounters();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels()
    {
        for (final EmbeddedChannel ch : channels)
        {
            ch.finishAndReleaseAll();
        }
    }

    static final String SECRETS_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    BinaryServer.Context context()
    {
        return new BinaryServer.Context()
            .gateway(gateway)
            .counters(counters)
            .apiKey(API_KEY)
            .secretsKey(SECRETS_KEY)
            .maxFrameLength(4096)
            .idleTimeoutMs(IDLE_MS)
            .slowConsumerTimeoutMs(SLOW_MS)
            .writeBufferLowWaterMark(1024)
            .writeBufferHighWaterMark(4096)
            .maxPendingBytes(16 * 1024);
    }

    EmbeddedChannel channel()
    {
        return channel(new EmbeddedChannel(new BinaryChannelInitializer(context())));
    }

    EmbeddedChannel channel(final EmbeddedChannel ch)
    {
        ch.freezeTime();
        channels.add(ch);
        return ch;
    }

    /** A channel whose session said hello; returns after checking the HelloReply. */
    EmbeddedChannel session()
    {
        return session(channel());
    }

    EmbeddedChannel session(final EmbeddedChannel ch)
    {
        ch.writeInbound(buf(frames.hello()));
        final List<TestFrames.Frame> out = drain(ch);
        assertThat(out).hasSize(1);
        assertThat(out.get(0).templateId()).isEqualTo(HelloReplyDecoder.TEMPLATE_ID);
        assertThat(out.get(0).correlationId()).isZero();
        return ch;
    }

    /** Asserts the last frame written is {@code code} for {@code correlationId} and the channel is closed. */
    static SessionCodec.TransportError assertClosedWith(
        final EmbeddedChannel ch, final TransportErrorCode code, final long correlationId)
    {
        ch.runPendingTasks();
        final List<TestFrames.Frame> out = drain(ch);
        assertThat(out).as("frames written").isNotEmpty();
        final TestFrames.Frame last = out.get(out.size() - 1);
        assertThat(last.isTransportError()).as("last frame %s", last).isTrue();
        final SessionCodec.TransportError error = last.transportError();
        assertThat(error.typed()).as("error %s", error).isEqualTo(code);
        assertThat(last.correlationId()).isEqualTo(correlationId);
        assertThat(error.detail()).isNotEmpty();
        assertThat(ch.isOpen()).as("connection closed after %s", code).isFalse();
        return error;
    }

    @Test
    void shouldOpenSessionOnHelloAndAdvertiseLimits()
    {
        final EmbeddedChannel ch = channel();
        ch.writeInbound(buf(frames.hello()));
        final List<TestFrames.Frame> out = drain(ch);
        final SessionCodec.HelloReply reply = out.get(0).helloReply();
        assertThat(reply.sessionId()).isEqualTo(1);
        assertThat(reply.maxFrameLength()).isEqualTo(4096);
        assertThat(reply.idleTimeoutMs()).isEqualTo(IDLE_MS);
        assertThat(reply.serverVersion()).isEqualTo(BinaryServer.Context.SERVER_VERSION_DEFAULT);
        assertThat(gateway.opened).containsExactly(1L);
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void shouldAdvertiseTheGatewayLimitWhenSmallerThanTheFrameLimit()
    {
        gateway.maxMessageLength = 1000;
        final EmbeddedChannel ch = channel();
        ch.writeInbound(buf(frames.hello()));
        assertThat(drain(ch).get(0).helloReply().maxFrameLength()).isEqualTo(1008);
    }

    @Test
    void shouldOfferCommandsAndQueriesOfTheSessionNamespaceAndWriteRepliesWithTheirCorrelation()
    {
        final EmbeddedChannel ch = session();
        ch.writeInbound(buf(frames.claim(7, NS, 10, 0, "Work")));
        ch.writeInbound(buf(frames.frameBytes(8, (b, o) -> frames.queries.listRuns(b, o, NS, 1, 10))));
        ch.writeInbound(buf(frames.frameBytes(9, (b, o) -> frames.queries.listNamespaces(b, o))));
        assertThat(gateway.offers).extracting(RecordingGateway.Offered::correlationId).containsExactly(7L, 8L, 9L);
        assertThat(gateway.offers).extracting(RecordingGateway.Offered::sessionId).containsOnly(1L);

        // Play the engine thread: three replies in one batch, one flush.
        final ReplySink sink = gateway.sinks.get(1L);
        final UnsafeBuffer reply = new UnsafeBuffer(new byte[256]);
        final int length = new io.exostate.core.codec.ReplyEncoder().rejected(reply, 0, RejectCode.STATE_NOT_FOUND,
            "x");
        sink.onReply(9, reply, 0, length);
        sink.onReply(7, reply, 0, length);
        sink.onReply(8, reply, 0, length);
        assertThat(drain(ch)).as("nothing before the flush").isEmpty();
        sink.onFlush();
        final List<TestFrames.Frame> out = drain(ch);
        assertThat(out).extracting(TestFrames.Frame::correlationId).containsExactly(9L, 7L, 8L);
        assertThat(out.get(0).reply()).isEqualTo(new Rejection(RejectCode.STATE_NOT_FOUND, "x"));
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void shouldWaitOnATruncatedFrameThenCloseWithIdleTimeout()
    {
        final EmbeddedChannel ch = session();
        final byte[] claim = frames.claim(5, NS, 1, 0, "Work");
        ch.writeInbound(buf(java.util.Arrays.copyOf(claim, claim.length - 3)));
        ch.advanceTimeBy(IDLE_MS / 2, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(drain(ch)).as("a partial frame waits").isEmpty();
        assertThat(ch.isOpen()).isTrue();

        ch.advanceTimeBy(IDLE_MS, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertClosedWith(ch, TransportErrorCode.IDLE_TIMEOUT, 0);
        assertThat(gateway.offers).isEmpty();
        assertThat(gateway.closed).containsExactly(1L);
    }

    @Test
    void shouldCloseAConnectionThatNeverSaysHelloWithIdleTimeout()
    {
        final EmbeddedChannel ch = channel();
        ch.advanceTimeBy(IDLE_MS + 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertClosedWith(ch, TransportErrorCode.IDLE_TIMEOUT, 0);
        assertThat(gateway.opened).isEmpty();
    }

    @Test
    void shouldKeepASessionWaitingOnAParkedClaimForOneMoreIdlePeriod()
    {
        final EmbeddedChannel ch = session();
        ch.writeInbound(buf(frames.claim(3, NS, 1, IDLE_MS, "Work")));
        ch.advanceTimeBy(IDLE_MS + 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("a reply is owed").isTrue();
        ch.advanceTimeBy(IDLE_MS + 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertClosedWith(ch, TransportErrorCode.IDLE_TIMEOUT, 0);
    }

    @Test
    void shouldCloseWithFrameTooLargeOnAnOversizedLengthBeforeReadingIt()
    {
        final EmbeddedChannel ch = session();
        final byte[] header = new byte[12];
        new UnsafeBuffer(header).putInt(0, 4097, ByteOrder.LITTLE_ENDIAN);
        ch.writeInbound(buf(header));
        assertClosedWith(ch, TransportErrorCode.FRAME_TOO_LARGE, 0);
        assertThat(gateway.offers).isEmpty();
    }

    @Test
    void shouldCloseWithFrameTooLargeOnALengthFieldAbove2Pow31()
    {
        final EmbeddedChannel ch = channel();
        ch.writeInbound(buf(new byte[]{ (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, 1, 2, 3 }));
        assertClosedWith(ch, TransportErrorCode.FRAME_TOO_LARGE, 0);
    }

    @Test
    void shouldCloseWithFrameTooLargeWhenTheGatewaySaysTooLarge()
    {
        final EmbeddedChannel ch = session();
        gateway.answer = CommandGateway.Offer.TOO_LARGE;
        ch.writeInbound(buf(frames.claim(4, NS, 1, 0, "Work")));
        assertClosedWith(ch, TransportErrorCode.FRAME_TOO_LARGE, 4);
    }

    @Test
    void shouldCloseWithMalformedFrameOnAFrameShorterThanAHeader()
    {
        final EmbeddedChannel ch = session();
        final byte[] frame = new byte[4 + 12];
        new UnsafeBuffer(frame).putInt(0, 12, ByteOrder.LITTLE_ENDIAN);
        new UnsafeBuffer(frame).putLong(4, 77, ByteOrder.LITTLE_ENDIAN);
        ch.writeInbound(buf(frame));
        assertClosedWith(ch, TransportErrorCode.MALFORMED_FRAME, 77);
    }

    @Test
    void shouldCloseWithUnknownMessageOnAnUnknownTemplate()
    {
        final EmbeddedChannel ch = session();
        for (final int template : new int[]{ 50, 60, 100, 104, 209, 402, 403, 999 })
        {
            final EmbeddedChannel c = template == 50 ? ch : session();
            final byte[] message = header(0, template, FrameDescriptor.SCHEMA_ID, 1);
            c.writeInbound(buf(TestFrames.frameBytes(11, message)));
            assertClosedWith(c, TransportErrorCode.UNKNOWN_MESSAGE, 11);
        }
        assertThat(gateway.offers).isEmpty();
    }

    @Test
    void shouldCloseWithUnsupportedVersionOnAnotherSchemaId()
    {
        final EmbeddedChannel ch = session();
        final byte[] claim = frames.message((b, o) -> frames.commands.claim(b, o, NS, new String[]{ "W" }, 1, 1, 0));
        new UnsafeBuffer(claim).putShort(4, (short)7300, ByteOrder.LITTLE_ENDIAN);
        ch.writeInbound(buf(TestFrames.frameBytes(12, claim)));
        final SessionCodec.TransportError error = assertClosedWith(ch, TransportErrorCode.UNSUPPORTED_VERSION, 12);
        assertThat(error.detail()).contains("7301").contains("7300");
        assertThat(gateway.offers).isEmpty();
    }

    @Test
    void shouldCloseWithUnsupportedVersionOnANewerOrZeroSchemaVersion()
    {
        for (final int version : new int[]{ 2, 0 })
        {
            final EmbeddedChannel ch = session();
            final byte[] claim =
                frames.message((b, o) -> frames.commands.claim(b, o, NS, new String[]{ "W" }, 1, 1, 0));
            new UnsafeBuffer(claim).putShort(6, (short)version, ByteOrder.LITTLE_ENDIAN);
            ch.writeInbound(buf(TestFrames.frameBytes(13, claim)));
            assertClosedWith(ch, TransportErrorCode.UNSUPPORTED_VERSION, 13);
        }
        assertThat(gateway.offers).isEmpty();
    }

    @Test
    void shouldCloseWithUnsupportedVersionOnAHelloOfAnotherProtocolVersion()
    {
        final EmbeddedChannel ch = channel();
        ch.writeInbound(buf(frames.frameBytes(0, (b, o) -> frames.session.hello(b, o, 2, NS, API_KEY, "c"))));
        assertClosedWith(ch, TransportErrorCode.UNSUPPORTED_VERSION, 0);
        assertThat(gateway.opened).isEmpty();
    }

    @Test
    void shouldRefuseACommandBeforeHelloWithNotAuthenticated()
    {
        final EmbeddedChannel ch = channel();
        ch.writeInbound(buf(frames.claim(21, NS, 1, 0, "Work")));
        assertClosedWith(ch, TransportErrorCode.NOT_AUTHENTICATED, 21);
        assertThat(gateway.offers).isEmpty();
        assertThat(gateway.opened).isEmpty();
    }

    @Test
    void shouldRefuseAWrongApiKeyWithAuthFailed()
    {
        for (final String key : new String[]{ "wrong", "", API_KEY + "x", API_KEY.substring(1) })
        {
            final EmbeddedChannel ch = channel();
            ch.writeInbound(buf(frames.hello(NS, key)));
            final SessionCodec.TransportError error = assertClosedWith(ch, TransportErrorCode.AUTH_FAILED, 0);
            assertThat(error.detail()).doesNotContain(API_KEY);
        }
        assertThat(gateway.opened).isEmpty();
    }

    @Test
    void shouldRefuseAHelloWithACorrelationIdOrAnEmptyNamespaceOrTrailingBytes()
    {
        final EmbeddedChannel a = channel();
        a.writeInbound(buf(frames.frameBytes(5,
            (b, o) -> frames.session.hello(b, o, FrameDescriptor.PROTOCOL_VERSION, NS, API_KEY, "c"))));
        assertClosedWith(a, TransportErrorCode.MALFORMED_FRAME, 5);

        final EmbeddedChannel b = channel();
        b.writeInbound(buf(frames.hello("", API_KEY)));
        assertClosedWith(b, TransportErrorCode.MALFORMED_FRAME, 0);

        final byte[] hello = frames.message(
            (buffer, o) -> frames.session.hello(buffer, o, FrameDescriptor.PROTOCOL_VERSION, NS, API_KEY, "c"));
        final EmbeddedChannel c = channel();
        c.writeInbound(buf(TestFrames.frameBytes(0, java.util.Arrays.copyOf(hello, hello.length + 1))));
        assertClosedWith(c, TransportErrorCode.MALFORMED_FRAME, 0);

        final EmbeddedChannel d = channel();
        d.writeInbound(buf(TestFrames.frameBytes(0, java.util.Arrays.copyOf(hello, hello.length - 1))));
        assertClosedWith(d, TransportErrorCode.MALFORMED_FRAME, 0);
        assertThat(gateway.opened).isEmpty();
    }

    @Test
    void shouldRefuseASecondHello()
    {
        final EmbeddedChannel ch = session();
        ch.writeInbound(buf(frames.hello()));
        assertClosedWith(ch, TransportErrorCode.MALFORMED_FRAME, 0);
    }

    @Test
    void shouldRefuseCommandsAndQueriesOfAnotherNamespace()
    {
        final List<byte[]> requests = List.of(
            frames.claim(31, "other", 1, 0, "Work"),
            frames.frameBytes(31, (b, o) -> frames.commands.trigger(b, o, "other", "g", "r1", Map.of(), Map.of(), 0)),
            frames.frameBytes(31, (b, o) -> frames.commands.heartbeat(b, o, "other", 1, 1, 1000)),
            frames.frameBytes(31, (b, o) -> frames.commands.registerNodes(b, o, "other", "rt", List.of())),
            frames.frameBytes(31, (b, o) -> frames.commands.upsertGraph(b, o, graph("other"))),
            frames.frameBytes(31, (b, o) -> frames.queries.listRuns(b, o, "other", 1, 10)),
            frames.frameBytes(31, (b, o) -> frames.queries.getStateSecrets(b, o, "other", 1)));
        for (final byte[] request : requests)
        {
            final EmbeddedChannel ch = session();
            ch.writeInbound(buf(request));
            final SessionCodec.TransportError error = assertClosedWith(ch, TransportErrorCode.NAMESPACE_MISMATCH, 31);
            assertThat(error.detail()).contains(NS).contains("other");
        }
        assertThat(gateway.offers).isEmpty();
    }

    @Test
    void shouldOfferAnUpsertOfTheSessionNamespaceAndATick() throws Exception
    {
        final EmbeddedChannel ch = session();
        ch.writeInbound(buf(frames.frameBytes(41, (b, o) -> frames.commands.upsertGraph(b, o, graph(NS)))));
        ch.writeInbound(buf(frames.frameBytes(42, (b, o) -> frames.commands.tick(b, o))));
        assertThat(gateway.offers).extracting(RecordingGateway.Offered::correlationId).containsExactly(41L, 42L);
        assertThat(ch.isOpen()).isTrue();
        // Decision 11: the offered upsert carries the secret encrypted with the server's key, never the plaintext.
        final byte[] offered = gateway.offers.get(0).message();
        final GraphSpec[] spec = new GraphSpec[1];
        new io.exostate.core.codec.CommandDecoder((io.exostate.core.engine.Commands)java.lang.reflect.Proxy
            .newProxyInstance(getClass().getClassLoader(), new Class<?>[]{io.exostate.core.engine.Commands.class},
                (p, m, a) ->
                {
                    spec[0] = (GraphSpec)a[1];
                    return new io.exostate.core.engine.Replies.Upsert(null, null);
                })).validate(new org.agrona.concurrent.UnsafeBuffer(offered), 0, offered.length);
        new io.exostate.core.codec.CommandDecoder((io.exostate.core.engine.Commands)java.lang.reflect.Proxy
            .newProxyInstance(getClass().getClassLoader(), new Class<?>[]{io.exostate.core.engine.Commands.class},
                (p, m, a) ->
                {
                    spec[0] = (GraphSpec)a[1];
                    return new io.exostate.core.engine.Replies.Upsert(
                        new io.exostate.core.engine.Rejection(io.exostate.core.engine.RejectCode.INVALID_REQUEST, "x"),
                        null);
                })).apply(0, new org.agrona.concurrent.UnsafeBuffer(offered), 0, offered.length,
                    new org.agrona.ExpandableArrayBuffer(256), 0);
        final String stored = spec[0].secrets().get("token");
        assertThat(stored).isNotEqualTo("s3cret");
        assertThat(new SecretsCipher(SECRETS_KEY).decrypt(stored)).isEqualTo("s3cret");
    }

    @Test
    void shouldRefuseAnUpsertCarryingSecretsWhenTheServerHasNoSecretsKey()
    {
        final EmbeddedChannel ch = session(channel(new EmbeddedChannel(new BinaryChannelInitializer(
            context().secretsKey(null)))));
        ch.writeInbound(buf(frames.frameBytes(43, (b, o) -> frames.commands.upsertGraph(b, o, graph(NS)))));
        final List<TestFrames.Frame> out = TestFrames.drain(ch);
        assertThat(out).hasSize(1);
        assertThat(out.get(0).correlationId()).isEqualTo(43);
        assertThat(out.get(0).templateId()).isEqualTo(io.exostate.core.codec.sbe.RejectedDecoder.TEMPLATE_ID);
        assertThat(gateway.offers).isEmpty();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void shouldCloseWithMalformedFrameOnABodyThatDoesNotDecode()
    {
        final byte[] claim = frames.message((b, o) -> frames.commands.claim(b, o, NS, new String[]{ "W" }, 1, 1, 0));
        final List<byte[]> bad = List.of(
            java.util.Arrays.copyOf(claim, claim.length - 1),
            java.util.Arrays.copyOf(claim, claim.length + 2),
            java.util.Arrays.copyOf(claim, 12));
        for (final byte[] message : bad)
        {
            final EmbeddedChannel ch = session();
            ch.writeInbound(buf(TestFrames.frameBytes(51, message)));
            assertClosedWith(ch, TransportErrorCode.MALFORMED_FRAME, 51);
        }
        final EmbeddedChannel q = session();
        final byte[] query = frames.message((b, o) -> frames.queries.listRuns(b, o, NS, 1, 10));
        q.writeInbound(buf(TestFrames.frameBytes(52, java.util.Arrays.copyOf(query, query.length - 1))));
        assertClosedWith(q, TransportErrorCode.MALFORMED_FRAME, 52);
        assertThat(gateway.offers).isEmpty();
    }

    @Test
    void shouldAnswerRejectedForAClaimBeyondOneReplyAndKeepTheConnection()
    {
        final EmbeddedChannel ch = session();
        ch.writeInbound(buf(frames.claim(61, NS, 70_000, 0, "Work")));
        final List<TestFrames.Frame> out = drain(ch);
        assertThat(out).hasSize(1);
        assertThat(out.get(0).correlationId()).isEqualTo(61);
        assertThat(((Rejection)out.get(0).reply()).code()).isEqualTo(RejectCode.LIMIT_EXCEEDED);
        assertThat(ch.isOpen()).isTrue();
        assertThat(gateway.offers).isEmpty();
    }

    @Test
    void shouldAnswerBusyFromAFullGatewayAndKeepTheConnection()
    {
        final EmbeddedChannel ch = session();
        gateway.answer = CommandGateway.Offer.BUSY;
        ch.writeInbound(buf(frames.claim(71, NS, 1, 0, "Work")));
        ch.writeInbound(buf(frames.claim(72, NS, 1, 0, "Work")));
        final List<TestFrames.Frame> out = drain(ch);
        assertThat(out).extracting(TestFrames.Frame::correlationId).containsExactly(71L, 72L);
        assertThat(out).allSatisfy(f -> assertThat(f.transportError().typed()).isEqualTo(TransportErrorCode.BUSY));
        assertThat(ch.isOpen()).isTrue();
        assertThat(gateway.offers).isEmpty();

        gateway.answer = CommandGateway.Offer.ACCEPTED;
        ch.writeInbound(buf(frames.claim(73, NS, 1, 0, "Work")));
        assertThat(gateway.offers).extracting(RecordingGateway.Offered::correlationId).containsExactly(73L);
    }

    @Test
    void shouldCloseWithShuttingDownWhenTheGatewayIsClosed()
    {
        final EmbeddedChannel ch = session();
        gateway.answer = CommandGateway.Offer.CLOSED;
        ch.writeInbound(buf(frames.claim(81, NS, 1, 0, "Work")));
        assertClosedWith(ch, TransportErrorCode.SHUTTING_DOWN, 81);
    }

    @Test
    void shouldCloseTheGatewaySessionAndDropLaterRepliesWhenTheChannelCloses()
    {
        final EmbeddedChannel ch = session();
        final ReplySink sink = gateway.sinks.get(1L);
        ch.close();
        assertThat(gateway.closed).containsExactly(1L);
        final UnsafeBuffer reply = new UnsafeBuffer(new byte[64]);
        sink.onReply(1, reply, 0, 20);
        sink.onFlush();
        assertThat(drain(ch)).isEmpty();
    }

    @Test
    void shouldStopReadingAndCloseASlowConsumerWhosePendingBytesPassTheBound()
    {
        final StalledChannel ch = new StalledChannel();
        channel(ch);
        ch.pipeline().addLast(new BinaryChannelInitializer(context()));
        ch.stalled = false;
        session(ch);
        ch.stalled = true;
        final ReplySink sink = gateway.sinks.get(1L);
        final UnsafeBuffer reply = new UnsafeBuffer(new byte[2048]);
        reply.putShort(4, (short)FrameDescriptor.SCHEMA_ID, ByteOrder.LITTLE_ENDIAN);
        int sent = 0;
        while (ch.isWritable())
        {
            sink.onReply(++sent, reply, 0, reply.capacity());
            sink.onFlush();
            ch.runPendingTasks();
        }
        assertThat(ch.config().isAutoRead()).as("reading stops above the high water mark").isFalse();
        while (ch.isOpen() && sent < 100)
        {
            sink.onReply(++sent, reply, 0, reply.capacity());
            sink.onFlush();
            ch.runPendingTasks();
        }
        assertThat(ch.isOpen()).isFalse();
        assertThat(sent).as("closed once more than 16 KiB wait").isLessThan(12);
        assertThat(gateway.closed).containsExactly(1L);
        assertThat(counters.errorsSent(TransportErrorCode.SLOW_CONSUMER)).isEqualTo(1);
    }

    @Test
    void shouldCloseASlowConsumerThatStaysUnwritablePastTheTimeout()
    {
        final StalledChannel ch = new StalledChannel();
        channel(ch);
        ch.pipeline().addLast(new BinaryChannelInitializer(context()));
        ch.stalled = false;
        session(ch);
        ch.stalled = true;
        final ReplySink sink = gateway.sinks.get(1L);
        final UnsafeBuffer reply = new UnsafeBuffer(new byte[5000]);
        sink.onReply(1, reply, 0, reply.capacity());
        sink.onFlush();
        ch.runPendingTasks();
        assertThat(ch.isWritable()).isFalse();
        assertThat(ch.config().isAutoRead()).isFalse();

        ch.advanceTimeBy(SLOW_MS / 2, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(SLOW_MS, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(counters.errorsSent(TransportErrorCode.SLOW_CONSUMER)).isEqualTo(1);
        assertThat(gateway.closed).containsExactly(1L);
    }

    @Test
    void shouldResumeReadingWhenTheClientCatchesUp()
    {
        final StalledChannel ch = new StalledChannel();
        channel(ch);
        ch.pipeline().addLast(new BinaryChannelInitializer(context()));
        ch.stalled = false;
        session(ch);
        ch.stalled = true;
        final ReplySink sink = gateway.sinks.get(1L);
        final UnsafeBuffer reply = new UnsafeBuffer(new byte[5000]);
        sink.onReply(1, reply, 0, reply.capacity());
        sink.onFlush();
        ch.runPendingTasks();
        assertThat(ch.config().isAutoRead()).isFalse();

        ch.stalled = false;
        ch.flush();
        ch.runPendingTasks();
        assertThat(ch.isWritable()).isTrue();
        assertThat(ch.config().isAutoRead()).isTrue();
        ch.advanceTimeBy(SLOW_MS + 100, TimeUnit.MILLISECONDS); // past the slow-consumer bound, within idle
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        assertThat(drain(ch)).extracting(TestFrames.Frame::correlationId).containsExactly(1L);
    }

    static byte[] header(final int blockLength, final int templateId, final int schemaId, final int version)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[8 + blockLength]);
        b.putShort(0, (short)blockLength, ByteOrder.LITTLE_ENDIAN);
        b.putShort(2, (short)templateId, ByteOrder.LITTLE_ENDIAN);
        b.putShort(4, (short)schemaId, ByteOrder.LITTLE_ENDIAN);
        b.putShort(6, (short)version, ByteOrder.LITTLE_ENDIAN);
        return b.byteArray();
    }

    static GraphSpec graph(final String namespace)
    {
        return new GraphSpec(namespace, "g",
            List.of(new NodeTemplateSpec("Work", namespace, "work", List.of(TemplateInput.of("x", "1")), null, null)),
            Map.of("token", "s3cret"), RetryPolicySpec.DEFAULT, new StoreConfigSpec(List.of("k"), Map.of("d", "v")),
            List.of());
    }

    /** An embedded channel whose "socket" accepts nothing while {@link #stalled}: writes stay queued. */
    static final class StalledChannel extends EmbeddedChannel
    {
        boolean stalled;

        StalledChannel()
        {
            super();
        }

        @Override
        protected void doWrite(final ChannelOutboundBuffer in) throws Exception
        {
            if (!stalled)
            {
                super.doWrite(in);
            }
        }
    }
}
