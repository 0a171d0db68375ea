package io.exostate.core.codec;

import io.exostate.core.engine.ClaimReply;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;
import io.exostate.core.engine.Replies;
import io.exostate.core.engine.Views;
import io.exostate.core.template.GraphSpec;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.exostate.core.codec.Fixtures.UNICODE;
import static io.exostate.core.codec.Fixtures.assertDeepEquals;
import static org.assertj.core.api.Assertions.assertThat;

/** Every reply and view: encode, decode, compare with the original record. */
class ReplyCodecTest
{
    private static final int OFFSET = 5;

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
    private final ReplyEncoder encoder = new ReplyEncoder();
    private final ReplyDecoder decoder = new ReplyDecoder();

    @Test
    void shouldRoundTripRejectionWithoutFieldErrors()
    {
        for (final RejectCode code : RejectCode.values())
        {
            final Rejection rejection = new Rejection(code, "detail of " + code + " " + UNICODE);
            assertThat(roundTrip(rejection)).isEqualTo(rejection);
        }
    }

    @Test
    void shouldRoundTripRejectionWithFieldErrorsAndIndexedLocations()
    {
        final Rejection rejection = Fixtures.rejectionWithFieldErrors();

        final Object decoded = roundTrip(rejection);

        assertThat(decoded).isEqualTo(rejection);
        assertThat(((Rejection)decoded).fieldErrors().get(0).loc().get(2)).isEqualTo(0);
    }

    @Test
    void shouldRoundTripRejectionOfTheCodeAndDetailOverload()
    {
        final int length = encoder.rejected(buffer, OFFSET, RejectCode.STATE_NOT_FOUND, "State not found");

        assertThat(decoder.decode(buffer, OFFSET, length))
            .isEqualTo(new Rejection(RejectCode.STATE_NOT_FOUND, "State not found"));
    }

    @Test
    void shouldEncodeTheRejectionOfEveryTypedReplyAsRejected()
    {
        final Rejection r = new Rejection(RejectCode.WRONG_STATUS, "State is not queued");
        final List<Object> replies = List.of(
            new Replies.Register(r, null, List.of()),
            new Replies.Upsert(r, null),
            new Replies.Trigger(r, null, 0),
            new Replies.Executed(r),
            new Replies.Errored(r, false),
            new Replies.Prune(r, 0),
            new Replies.Requeue(r, 0),
            new Replies.ManualRetry(r, 0),
            new Replies.Heartbeat(r, 0),
            Fixtures.rejectedClaimReply(r));
        for (final Object reply : replies)
        {
            assertThat(roundTrip(reply)).as(reply.getClass().getSimpleName()).isEqualTo(r);
        }
    }

    @Test
    void shouldRoundTripRegisterReply()
    {
        final Replies.Register reply = new Replies.Register(null, "rt", Fixtures.registrations());
        assertDeepEquals(reply, roundTrip(reply));
    }

    @Test
    void shouldRoundTripUpsertReply()
    {
        final Replies.Upsert reply = new Replies.Upsert(null, Fixtures.graphView(Fixtures.graphSpec()));
        assertDeepEquals(reply, roundTrip(reply));
        assertThat(roundTrip(reply)).isEqualTo(reply);
    }

    @Test
    void shouldRoundTripTriggerReply()
    {
        final Replies.Trigger reply = new Replies.Trigger(null, "6f1d-" + UNICODE, 123);
        assertThat(roundTrip(reply)).isEqualTo(reply);
    }

    @Test
    void shouldRoundTripClaimReplyFromTheEngineFlyweight()
    {
        final List<ClaimedState> states = Fixtures.claimedStates(20);
        final ClaimReply flyweight = Fixtures.claimReply(states);

        assertThat(roundTrip(flyweight)).isEqualTo(new Claimed(states));
    }

    @Test
    void shouldRoundTripClaimedStates()
    {
        final Claimed claimed = new Claimed(Fixtures.claimedStates(4));
        assertThat(roundTrip(claimed)).isEqualTo(claimed);
        assertThat(((Claimed)roundTrip(claimed)).states().get(1).inputsMap()).containsEntry("u", UNICODE);
    }

    @Test
    void shouldRoundTripSmallReplies()
    {
        final List<Object> replies = List.of(
            Replies.Executed.OK,
            Replies.Errored.RETRY_CREATED,
            Replies.Errored.NO_RETRY,
            new Replies.Prune(null, 1_700_000_000_000L),
            new Replies.Requeue(null, -5),
            new Replies.ManualRetry(null, Long.MAX_VALUE),
            new Replies.Heartbeat(null, 0),
            new Replies.Tick(0),
            new Replies.Tick(Integer.MAX_VALUE));
        for (final Object reply : replies)
        {
            assertThat(roundTrip(reply)).isEqualTo(reply);
        }
    }

    @Test
    void shouldRoundTripNamespaces()
    {
        final ViewReplies.Namespaces reply = new ViewReplies.Namespaces(List.of("a", "b" + UNICODE, ""));
        assertThat(roundTrip(reply)).isEqualTo(reply);
        assertThat(roundTrip(new ViewReplies.Namespaces(List.of()))).isEqualTo(new ViewReplies.Namespaces(List.of()));
    }

    @Test
    void shouldRoundTripNodes()
    {
        final ViewReplies.Nodes reply = new ViewReplies.Nodes(Fixtures.registeredNodes());
        assertDeepEquals(reply, roundTrip(reply));
    }

    @Test
    void shouldRoundTripGraphAndGraphs()
    {
        final Views.Graph graph = Fixtures.graphView(Fixtures.graphSpec());
        final GraphSpec minimal = Fixtures.minimalGraphSpec();
        final Views.Graph empty = new Views.Graph(minimal.namespace(), minimal.name(), "", 0, List.of(), Map.of(),
            minimal.retryPolicy(), minimal.storeConfig(), List.of(), "VALID", List.of(), 0, 0);

        assertDeepEquals(graph, roundTrip(graph));
        assertDeepEquals(empty, roundTrip(empty));
        final ViewReplies.Graphs graphs = new ViewReplies.Graphs(List.of(graph, empty));
        assertDeepEquals(graphs, roundTrip(graphs));
    }

    @Test
    void shouldRoundTripRunsPage()
    {
        final Views.RunsPage page = Fixtures.runsPage();
        assertThat(roundTrip(page)).isEqualTo(page);
    }

    @Test
    void shouldRoundTripRunGraphWithNullAndEmptyErrors()
    {
        final Views.RunGraph graph = Fixtures.runGraph();
        final Object decoded = roundTrip(graph);
        assertDeepEquals(graph, decoded);
        assertThat(((Views.RunGraph)decoded).nodes().get(0).error()).isNull();
        assertThat(((Views.RunGraph)decoded).nodes().get(2).error()).isEmpty();
        assertDeepEquals(Fixtures.emptyRunGraph(), roundTrip(Fixtures.emptyRunGraph()));
    }

    @Test
    void shouldRoundTripNodeDetails()
    {
        assertDeepEquals(Fixtures.nodeDetails(), roundTrip(Fixtures.nodeDetails()));
        assertDeepEquals(Fixtures.nodeDetailsWithNulls(), roundTrip(Fixtures.nodeDetailsWithNulls()));
    }

    @Test
    void shouldRoundTripStateSecrets()
    {
        final Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("B", "plain " + UNICODE);
        secrets.put("A", "");
        final ViewReplies.StateSecrets reply = new ViewReplies.StateSecrets(secrets);
        assertDeepEquals(reply, roundTrip(reply));
    }

    @Test
    void shouldAnswerLimitExceededForAViewTooLargeForOneGroup()
    {
        final List<String> many = new ArrayList<>();
        for (int i = 0; i < 65_535; i++)
        {
            many.add("n");
        }

        final Object decoded = roundTrip(new ViewReplies.Namespaces(many));

        assertThat(decoded).isInstanceOf(Rejection.class);
        assertThat(((Rejection)decoded).code()).isEqualTo(RejectCode.LIMIT_EXCEEDED);
    }

    @Test
    void shouldDecodeADecodeErrorEncodedAsRejected()
    {
        final DecodeError error = new DecodeError(DecodeError.Kind.WRONG_VERSION, "Expected version 1, but was 9");
        assertThat(roundTrip(error)).isEqualTo(error.toRejection());
    }

    private Object roundTrip(final Object reply)
    {
        final int length = encoder.encode(buffer, OFFSET, reply);
        final Object decoded = decoder.decode(buffer, OFFSET, length);
        assertThat(decoded).as("decoding %s", reply).isNotInstanceOf(DecodeError.class);
        return decoded;
    }
}
