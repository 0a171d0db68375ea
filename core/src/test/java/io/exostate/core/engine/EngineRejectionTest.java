package io.exostate.core.engine;

import io.exostate.core.model.Status;
import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static io.exostate.core.engine.EngineFixture.unite;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input leaves the engine untouched: every rejection below is checked against the engine's snapshot bytes taken
 * before and after it (the other Engine*Test classes do the same for the rejections they trigger).
 */
class EngineRejectionTest
{
    private static final EngineConfig SMALL = new EngineConfig(8, 2, 256, 100);

    private final EngineFixture f = new EngineFixture(new Engine(SMALL))
        .register("A", "x", "|", "o")
        .register("B", "y");

    private EngineFixture.Claimed queuedRoot()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"))));
        f.trigger("g");
        return f.claimOne("A");
    }

    private Rejection executedBytes(final EngineFixture.Claimed c, final byte[] outputs)
    {
        return f.rejectedWithoutChange(
            () -> f.engine.executed(f.now, NS, c.id(), c.token(), new UnsafeBuffer(outputs), 0, outputs.length));
    }

    @Test
    void shouldRefuseATriggerOfAnUnknownGraph()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));

        final Rejection inNamespace = f.rejectedWithoutChange(
            () -> f.engine.trigger(f.now, NS, "nope", "r1", Map.of(), Map.of(), 0));
        final Rejection elsewhere = f.rejectedWithoutChange(
            () -> f.engine.trigger(f.now, "unknown", "g", "r1", Map.of(), Map.of(), 0));

        assertThat(inNamespace.code()).isEqualTo(RejectCode.GRAPH_NOT_FOUND);
        assertThat(inNamespace.code().httpStatus()).isEqualTo(404);
        assertThat(inNamespace.detail()).isEqualTo("Graph template not found for namespace ns and graph nope");
        assertThat(elsewhere.detail()).isEqualTo("Graph template not found for namespace unknown and graph g");
    }

    @Test
    void shouldRefuseADuplicateRunId()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));
        assertThat(f.engine.trigger(f.now, NS, "g", "same", Map.of(), Map.of(), 0).ok()).isTrue();

        final Rejection r = f.rejectedWithoutChange(
            () -> f.engine.trigger(f.now, NS, "g", "same", Map.of("x", "2"), Map.of(), 0));

        assertThat(r.code()).isEqualTo(RejectCode.DUPLICATE_RUN);
        assertThat(f.engine.runStateIds("same")).hasSize(1);
    }

    @Test
    void shouldRefuseANegativeStartDelayOrAMissingRunId()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));

        final Rejection delay = f.rejectedWithoutChange(
            () -> f.engine.trigger(f.now, NS, "g", "r1", Map.of(), Map.of(), -1));
        final Rejection noRun = f.rejectedWithoutChange(
            () -> f.engine.trigger(f.now, NS, "g", "", Map.of(), Map.of(), 0));
        final Rejection nullRun = f.rejectedWithoutChange(
            () -> f.engine.trigger(f.now, NS, "g", null, Map.of(), Map.of(), 0));

        assertThat(delay.code()).isEqualTo(RejectCode.INVALID_REQUEST);
        assertThat(delay.detail()).isEqualTo("start_delay: Input should be greater than or equal to 0");
        assertThat(noRun.code()).isEqualTo(RejectCode.INVALID_REQUEST);
        assertThat(nullRun.code()).isEqualTo(RejectCode.INVALID_REQUEST);
    }

    @Test
    void shouldRefuseMoreOutputsThanTheLimit()
    {
        final EngineFixture.Claimed a = queuedRoot();

        final Rejection r = f.rejectedWithoutChange(
            () -> f.executed(a, map("o", "1"), map("o", "2"), map("o", "3")));

        assertThat(r.code()).isEqualTo(RejectCode.LIMIT_EXCEEDED);
        assertThat(r.detail()).isEqualTo("Expected at most 2 outputs, but got 3");
        assertThat(f.executed(a, map("o", "1"), map("o", "2")).ok()).isTrue();
    }

    @Test
    void shouldRefuseOutputsLargerThanThePayloadLimit()
    {
        final EngineFixture.Claimed a = queuedRoot();

        final Rejection r = f.rejectedWithoutChange(() -> f.executed(a, map("o", "x".repeat(300))));

        assertThat(r.code()).isEqualTo(RejectCode.LIMIT_EXCEEDED);
        assertThat(f.status(a.id())).isEqualTo(Status.QUEUED);
    }

    @Test
    void shouldRefuseMalformedOutputBytes()
    {
        final EngineFixture.Claimed a = queuedRoot();
        final byte[] good = Payloads.encodeList(List.of(map("o", "v")));
        final List<byte[]> bad = new ArrayList<>();
        bad.add(new byte[]{1, 0});                                   // shorter than the count
        bad.add(le(-1));                                             // a negative count
        bad.add(le(2, 4, 0));                                        // two maps announced, one sent
        bad.add(java.util.Arrays.copyOf(good, good.length - 1));     // truncated value
        bad.add(java.util.Arrays.copyOf(good, good.length + 3));     // trailing bytes
        final byte[] badKind = good.clone();
        badKind[4 + 4 + 4 + 4 + 1] = 7;                              // the value kind of the first entry
        bad.add(badKind);
        bad.add(le(1, 8, 1, -5));                                    // a negative key length

        for (final byte[] bytes : bad)
        {
            final Rejection r = executedBytes(a, bytes);
            assertThat(r.code()).as("%s", r).isEqualTo(RejectCode.INVALID_REQUEST);
            assertThat(r.detail()).startsWith("Malformed outputs: ");
        }
        assertThat(f.status(a.id())).isEqualTo(Status.QUEUED);
        assertThat(f.executed(a, map("o", "v")).ok()).isTrue();
    }

    @Test
    void shouldRefuseReportsOfAnUnknownStateAWrongStatusOrAStaleToken()
    {
        final EngineFixture.Claimed a = queuedRoot();

        assertThat(f.rejectedWithoutChange(
            () -> f.engine.executed(f.now, NS, a.id() + 50, a.token(), List.of(map("o", "v")))).code())
            .isEqualTo(RejectCode.STATE_NOT_FOUND);
        assertThat(f.rejectedWithoutChange(
            () -> f.engine.errored(f.now, NS, a.id(), a.token() + 1, "boom")).code())
            .isEqualTo(RejectCode.STALE_TOKEN);
        assertThat(f.rejectedWithoutChange(
            () -> f.engine.errored(f.now, NS, a.id(), a.token(), null)).code())
            .isEqualTo(RejectCode.INVALID_REQUEST);
        f.executed(a, map("o", "v"));
        assertThat(f.rejectedWithoutChange(
            () -> f.engine.prune(f.now, NS, a.id(), Commands.NO_TOKEN, "{}")).code())
            .isEqualTo(RejectCode.WRONG_STATUS);
        assertThat(f.rejectedWithoutChange(
            () -> f.engine.reenqueueAfter(f.now, NS, a.id(), Commands.NO_TOKEN, -10)).code())
            .isEqualTo(RejectCode.INVALID_REQUEST);
    }

    @Test
    void shouldRefuseAnOversizedOrMalformedClaim()
    {
        queuedRoot();

        assertThat(f.rejectedWithoutChange(() -> f.engine.claim(f.now, NS, new String[]{"B"}, 1, 9, 0)).code())
            .isEqualTo(RejectCode.LIMIT_EXCEEDED);
        assertThat(f.rejectedWithoutChange(() -> f.engine.claim(f.now, NS, new String[]{"B"}, 2, 1, 0)).code())
            .isEqualTo(RejectCode.INVALID_REQUEST);
        assertThat(f.rejectedWithoutChange(() -> f.engine.claim(f.now, NS, null, 1, 1, 0)).code())
            .isEqualTo(RejectCode.INVALID_REQUEST);
        assertThat(f.rejectedWithoutChange(() -> f.engine.claim(f.now, NS, new String[]{"B"}, -1, 1, 0)).code())
            .isEqualTo(RejectCode.INVALID_REQUEST);
    }

    @Test
    void shouldRefuseARegistrationOrUpsertWithoutItsBody()
    {
        assertThat(f.rejectedWithoutChange(() -> f.engine.registerNodes(f.now, NS, "rt", null)).code())
            .isEqualTo(RejectCode.INVALID_REQUEST);
        assertThat(f.rejectedWithoutChange(() -> f.engine.registerNodes(f.now, "fresh", null, List.of())).code())
            .isEqualTo(RejectCode.INVALID_REQUEST);
        assertThat(f.rejectedWithoutChange(() -> f.engine.upsertGraph(f.now, null)).code())
            .isEqualTo(RejectCode.INVALID_REQUEST);
    }

    @Test
    void shouldRefuseAGraphOverTheEnginesUniteLimitWithoutCreatingItsNamespace()
    {
        // 65 unite nodes on one target exceed the 64 bits of a unite group's created mask.
        f.register("U", "u");
        final List<NodeTemplateSpec> nodes = new ArrayList<>();
        final List<String> unites = new ArrayList<>();
        for (int i = 0; i < 65; i++)
        {
            unites.add("u" + i);
            nodes.add(unite("u" + i, "U", map("u", "1"), "a", UniteStrategy.ALL_DONE));
        }
        nodes.add(0, node("a", "A", map("x", "1"), "b"));
        nodes.add(1, node("b", "B", map("y", "1"), unites.toArray(String[]::new)));
        final GraphSpec spec = new GraphSpec("fresh", "wide", nodes, Map.of(), RetryPolicySpec.DEFAULT,
            StoreConfigSpec.DEFAULT, List.of());

        final Rejection r = f.rejectedWithoutChange(() -> f.engine.upsertGraph(f.now, spec));

        assertThat(r.code()).isEqualTo(RejectCode.LIMIT_EXCEEDED);
        assertThat(f.engine.graph("fresh", "wide")).isNull();
    }

    @Test
    void shouldRefuseTheSameBadCommandIdenticallyOnARestoredEngine()
    {
        final EngineFixture.Claimed a = queuedRoot();
        final Engine restored = Engine.restore(f.engine.snapshot(), SMALL);

        final Replies.Executed original = f.executed(a, map("o", "1"), map("o", "2"), map("o", "3"));
        final Replies.Executed replayed = restored.executed(f.now, NS, a.id(), a.token(),
            List.of(map("o", "1"), map("o", "2"), map("o", "3")));

        assertThat(replayed).isEqualTo(original);
        assertThat(restored.snapshot()).isEqualTo(f.engine.snapshot());
    }

    /** Little-endian ints. */
    private static byte[] le(final int... ints)
    {
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[ints.length * 4]);
        for (int i = 0; i < ints.length; i++)
        {
            buf.putInt(i * 4, ints[i]);
        }
        return buf.byteArray();
    }
}
