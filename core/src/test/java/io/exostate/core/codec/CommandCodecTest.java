package io.exostate.core.codec;

import io.exostate.core.codec.sbe.ClaimDecoder;
import io.exostate.core.codec.sbe.MessageHeaderDecoder;
import io.exostate.core.engine.Payloads;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;
import io.exostate.core.engine.Replies;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.exostate.core.codec.Fixtures.UNICODE;
import static io.exostate.core.codec.Fixtures.assertDeepEquals;
import static org.assertj.core.api.Assertions.assertThat;

/** Every command: encode, apply through the decoder to a recording engine, compare arguments and the reply. */
class CommandCodecTest
{
    private static final long NOW = 1_700_000_123_456L;
    private static final int OFFSET = 13;
    private static final int REPLY_OFFSET = 7;

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
    private final ExpandableArrayBuffer replyBuffer = new ExpandableArrayBuffer(64);
    private final CommandEncoder encoder = new CommandEncoder();
    private final RecordingCommands engine = new RecordingCommands();
    private final CommandDecoder decoder = new CommandDecoder(engine);
    private final ReplyDecoder replyDecoder = new ReplyDecoder();

    @Test
    void shouldRoundTripRegisterNodes()
    {
        final List<NodeRegistration> nodes = Fixtures.registrations();
        final int length = encoder.registerNodes(buffer, OFFSET, "ns", "runtime-" + UNICODE, nodes);

        final Object reply = apply(length);

        final RecordingCommands.Call call = engine.only();
        assertThat(call.name()).isEqualTo("registerNodes");
        assertThat(call.now()).isEqualTo(NOW);
        assertThat(call.args().subList(0, 2)).containsExactly("ns", "runtime-" + UNICODE);
        assertDeepEquals(nodes, call.args().get(2));
        assertDeepEquals(new Replies.Register(null, "runtime-" + UNICODE, nodes), reply);
    }

    @Test
    void shouldRoundTripRegisterNodesWithNoNodes()
    {
        final int length = encoder.registerNodes(buffer, OFFSET, "", "", List.of());

        final Object reply = apply(length);

        assertThat(engine.only().args()).containsExactly("", "", List.of());
        assertDeepEquals(new Replies.Register(null, "", List.of()), reply);
    }

    @Test
    void shouldRoundTripUpsertGraphWithEveryOptionalPart()
    {
        final GraphSpec spec = Fixtures.graphSpec();
        final int length = encoder.upsertGraph(buffer, OFFSET, spec);

        final Object reply = apply(length);

        final GraphSpec decoded = (GraphSpec)engine.only().args().get(0);
        assertDeepEquals(spec, decoded);
        assertThat(decoded).isEqualTo(spec);
        assertThat(decoded.node("parse").nextNodes()).isEmpty();
        assertThat(decoded.node("log").nextNodes()).isNull();
        assertThat(decoded.node("fetch").unites()).isNull();
        assertThat(decoded.retryPolicy().maxDelay()).isEqualTo(60_000L);
        assertDeepEquals(new Replies.Upsert(null, Fixtures.graphView(spec)), reply);
    }

    @Test
    void shouldRoundTripMinimalUpsertGraphWithNullMaxDelay()
    {
        final GraphSpec spec = Fixtures.minimalGraphSpec();
        final int length = encoder.upsertGraph(buffer, OFFSET, spec);

        apply(length);

        final GraphSpec decoded = (GraphSpec)engine.only().args().get(0);
        assertThat(decoded).isEqualTo(spec);
        assertThat(decoded.retryPolicy().maxDelay()).isNull();
    }

    @Test
    void shouldRoundTripTrigger()
    {
        final Map<String, String> inputs = new LinkedHashMap<>();
        inputs.put("url", "https://example.test/" + UNICODE);
        inputs.put("empty", "");
        final Map<String, String> store = Map.of("k", "v");
        final int length = encoder.trigger(buffer, OFFSET, "ns", "g", "run-uuid", inputs, store, 250);

        final Object reply = apply(length);

        assertThat(engine.only().name()).isEqualTo("trigger");
        assertDeepEquals(List.of("ns", "g", "run-uuid", inputs, store, 250L), engine.only().args());
        assertThat(reply).isEqualTo(engine.triggerReply);
    }

    @Test
    void shouldDecodeNullTriggerMapsAsEmpty()
    {
        final int length = encoder.trigger(buffer, OFFSET, "ns", "g", "r", null, null, 0);

        apply(length);

        assertThat(engine.only().args()).containsExactly("ns", "g", "r", Map.of(), Map.of(), 0L);
    }

    @Test
    void shouldRoundTripTriggerFromEncodedPayloads()
    {
        final byte[] inputs = Payloads.encodeMap(Map.of("a", "1"));
        final byte[] store = Payloads.encodeMap(Map.of("s", "2"));
        final byte[] both = new byte[inputs.length + store.length];
        System.arraycopy(inputs, 0, both, 0, inputs.length);
        System.arraycopy(store, 0, both, inputs.length, store.length);
        final int length = encoder.trigger(buffer, OFFSET, "ns", "g", "r", new UnsafeBuffer(both),
            0, inputs.length, inputs.length, store.length, 9);

        apply(length);

        assertThat(engine.only().args()).containsExactly("ns", "g", "r", Map.of("a", "1"), Map.of("s", "2"), 9L);
    }

    @Test
    void shouldRoundTripClaimAndItsReply()
    {
        final List<ClaimedState> states = Fixtures.claimedStates(3);
        engine.claimReply = Fixtures.claimReply(states);
        final String[] names = {"Fetch", "Parse" + UNICODE, "Log", "unused"};
        final int length = encoder.claim(buffer, OFFSET, "ns", names, 3, 10, 30_000);

        final Object reply = apply(length);

        assertThat(engine.only().name()).isEqualTo("claim");
        assertThat(engine.only().args())
            .containsExactly("ns", List.of("Fetch", "Parse" + UNICODE, "Log"), 3, 10, 30_000L, 0L, 0L);
        assertThat(reply).isEqualTo(new Claimed(states));
    }

    @Test
    void shouldRoundTripTheClaimsRequestId()
    {
        final long clientId = 0x8765_4321_0FED_CBA9L;
        final int length = encoder.claim(buffer, OFFSET, "ns", new String[]{"Fetch"}, 1, 2, 30_000, 5_000,
            clientId, Long.MAX_VALUE);

        apply(length);

        assertThat(engine.only().args())
            .containsExactly("ns", List.of("Fetch"), 1, 2, 30_000L, clientId, Long.MAX_VALUE);
    }

    @Test
    void shouldSendNoRequestIdFromTheOverloadsWithoutOne()
    {
        int length = encoder.claim(buffer, OFFSET, "ns", new String[]{"A"}, 1, 1, 0);
        final ClaimDecoder d = new ClaimDecoder().wrapAndApplyHeader(buffer, OFFSET, new MessageHeaderDecoder());
        assertThat(d.clientId()).isZero();
        assertThat(d.requestId()).isZero();

        // The same buffer, first dirtied by a claim with ids: the overload without them must write zeros.
        encoder.claim(buffer, OFFSET, "ns", new String[]{"A"}, 1, 1, 0, 0, 7, 9);
        length = encoder.claim(buffer, OFFSET, "ns", new String[]{"A"}, 1, 1, 0, 250);
        d.wrapAndApplyHeader(buffer, OFFSET, new MessageHeaderDecoder());
        assertThat(d.waitMs()).isEqualTo(250);
        assertThat(d.clientId()).isZero();
        assertThat(d.requestId()).isZero();
        assertThat(length).isEqualTo(Wire.HEADER_LENGTH + ClaimDecoder.BLOCK_LENGTH + 4 + 4 + 1 + 4 + 2);
    }

    @Test
    void shouldRoundTripClaimOfNoNames()
    {
        final int length = encoder.claim(buffer, OFFSET, "ns", new String[0], 0, 0, 0);

        final Object reply = apply(length);

        assertThat(engine.only().args()).containsExactly("ns", List.of(), 0, 0, 0L, 0L, 0L);
        assertThat(reply).isEqualTo(new Claimed(List.of()));
    }

    @Test
    void shouldReuseInternedNamesAcrossClaims()
    {
        final Utf8Interner interner = new Utf8Interner();
        final CommandDecoder decoder = new CommandDecoder(engine, new ReplyEncoder(), interner);
        final String[] names = {"Fetch", "Parse"};

        int length = encoder.claim(buffer, OFFSET, "ns", names, 2, 1, 0);
        decoder.apply(NOW, buffer, OFFSET, length, replyBuffer, REPLY_OFFSET);
        final String[] first = engine.lastClaimNames;
        final String firstNamespace = engine.lastClaimNamespace;
        final long missesAfterFirst = interner.misses();

        length = encoder.claim(buffer, OFFSET, new String("ns"), new String[]{new String("Fetch"), "Parse"}, 2, 1, 0);
        decoder.apply(NOW + 1, buffer, OFFSET, length, replyBuffer, REPLY_OFFSET);

        assertThat(interner.misses()).isEqualTo(missesAfterFirst);
        assertThat(engine.lastClaimNames[0]).isSameAs(first[0]);
        assertThat(engine.lastClaimNames[1]).isSameAs(first[1]);
        assertThat(engine.lastClaimNamespace).isSameAs(firstNamespace);
    }

    @Test
    void shouldHandOutputsToTheEngineWithoutCopying()
    {
        final Map<String, String> second = new LinkedHashMap<>();
        second.put("x", "[1, 2]");
        second.put("y", UNICODE);
        final byte[] outputs = Payloads.encodeList(List.of(Map.of("a", "1"), second, Map.of()));
        final int length = encoder.executed(buffer, OFFSET, "ns", 42, 77, new UnsafeBuffer(outputs), 0, outputs.length);

        final Object reply = apply(length);

        assertThat(engine.only().args())
            .containsExactly("ns", 42L, 77L, new RecordingCommands.Bytes(outputs));
        assertThat(engine.lastOutputsBuffer).isSameAs(buffer);
        assertThat(reply).isSameAs(Replies.Executed.OK);
    }

    @Test
    void shouldRoundTripExecutedWithJsonValuedOutputs()
    {
        final byte[] map = Payloads.encodeMap(Map.of("n", "12", "s", "text"), Set.of("n"));
        final ExpandableArrayBuffer list = new ExpandableArrayBuffer();
        list.putInt(0, 1);
        list.putInt(4, map.length);
        list.putBytes(8, map);
        final int length = encoder.executed(buffer, OFFSET, "ns", 1, 2, list, 0, 8 + map.length);

        apply(length);

        final byte[] recorded = ((RecordingCommands.Bytes)engine.only().args().get(3)).bytes();
        assertThat(Payloads.jsonKeys(java.util.Arrays.copyOfRange(recorded, 8, recorded.length))).containsExactly("n");
    }

    @Test
    void shouldRoundTripErrored()
    {
        final int length = encoder.errored(buffer, OFFSET, "ns", 5, 6, "Traceback: " + UNICODE);

        final Object reply = apply(length);

        assertThat(engine.only().args()).containsExactly("ns", 5L, 6L, "Traceback: " + UNICODE);
        assertThat(reply).isSameAs(Replies.Errored.RETRY_CREATED);
    }

    @Test
    void shouldRoundTripPrune()
    {
        final int length = encoder.prune(buffer, OFFSET, "ns", 5, 0, "{\"reason\":\"" + UNICODE + "\"}");

        final Object reply = apply(length);

        assertThat(engine.only().args()).containsExactly("ns", 5L, 0L, "{\"reason\":\"" + UNICODE + "\"}");
        assertThat(reply).isEqualTo(engine.pruneReply);
    }

    @Test
    void shouldRoundTripReEnqueueAfter()
    {
        final int length = encoder.reenqueueAfter(buffer, OFFSET, "ns", Long.MAX_VALUE, -1, 1500);

        final Object reply = apply(length);

        assertThat(engine.only().args()).containsExactly("ns", Long.MAX_VALUE, -1L, 1500L);
        assertThat(reply).isEqualTo(engine.requeueReply);
    }

    @Test
    void shouldRoundTripManualRetry()
    {
        final int length = encoder.manualRetry(buffer, OFFSET, "ns", 8, "00000000-0000-4000-8000-000000000001");

        final Object reply = apply(length);

        assertThat(engine.only().args()).containsExactly("ns", 8L, "00000000-0000-4000-8000-000000000001");
        assertThat(reply).isEqualTo(engine.manualRetryReply);
    }

    @Test
    void shouldRoundTripHeartbeat()
    {
        final int length = encoder.heartbeat(buffer, OFFSET, "ns", 8, 9, 20_000);

        final Object reply = apply(length);

        assertThat(engine.only().args()).containsExactly("ns", 8L, 9L, 20_000L);
        assertThat(reply).isEqualTo(engine.heartbeatReply);
    }

    @Test
    void shouldRoundTripTickWithTheBatchTime()
    {
        final int length = encoder.tick(buffer, OFFSET);

        final Object reply = apply(length);

        assertThat(length).isEqualTo(8);
        assertThat(engine.only().name()).isEqualTo("tick");
        assertThat(engine.only().now()).isEqualTo(NOW);
        assertThat(reply).isEqualTo(engine.tickReply);
    }

    @Test
    void shouldAnswerAnEngineRejectionWithRejected()
    {
        final Rejection stale = new Rejection(RejectCode.STALE_TOKEN, "Expected claim token 9, but was 8");
        engine.executedReply = new Replies.Executed(stale);
        final byte[] outputs = Payloads.encodeList(List.of());
        final int length = encoder.executed(buffer, OFFSET, "ns", 1, 8, new UnsafeBuffer(outputs), 0, outputs.length);

        final Object reply = apply(length);

        assertThat(reply).isEqualTo(stale);
    }

    @Test
    void shouldAnswerARejectedClaimWithRejected()
    {
        final Rejection rejection = new Rejection(RejectCode.LIMIT_EXCEEDED, "too many waiting claims");
        engine.claimReply = Fixtures.rejectedClaimReply(rejection);
        final int length = encoder.claim(buffer, OFFSET, "ns", new String[]{"A"}, 1, 1, 0);

        assertThat(apply(length)).isEqualTo(rejection);
    }

    @Test
    void shouldRefuseAClaimForMoreStatesThanOneReplyHolds()
    {
        final int length = encoder.claim(buffer, OFFSET, "ns", new String[]{"A"}, 1, 65_535, 0);

        final int replyLength = decoder.apply(NOW, buffer, OFFSET, length, replyBuffer, REPLY_OFFSET);

        assertThat(engine.calls).isEmpty();
        assertThat(decoder.lastError().kind()).isEqualTo(DecodeError.Kind.LIMIT_EXCEEDED);
        final Rejection rejection = (Rejection)replyDecoder.decode(replyBuffer, REPLY_OFFSET, replyLength);
        assertThat(rejection.code()).isEqualTo(RejectCode.LIMIT_EXCEEDED);
        assertThat(rejection.detail()).contains("65534").contains("65535");
    }

    @Test
    void shouldValidateWithoutCallingTheEngine()
    {
        final int length = encoder.heartbeat(buffer, OFFSET, "ns", 1, 2, 3);

        assertThat(decoder.validate(buffer, OFFSET, length)).isNull();
        assertThat(decoder.validate(buffer, OFFSET, length - 1).kind()).isEqualTo(DecodeError.Kind.TRUNCATED);
        assertThat(engine.calls).isEmpty();
    }

    private Object apply(final int length)
    {
        final int replyLength = decoder.apply(NOW, buffer, OFFSET, length, replyBuffer, REPLY_OFFSET);
        assertThat(decoder.lastError()).isNull();
        final Object reply = replyDecoder.decode(replyBuffer, REPLY_OFFSET, replyLength);
        assertThat(reply).isNotInstanceOf(DecodeError.class);
        return reply;
    }
}
