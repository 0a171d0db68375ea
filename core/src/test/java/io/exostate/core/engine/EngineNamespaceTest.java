package io.exostate.core.engine;

import io.exostate.core.model.Status;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static io.exostate.core.engine.EngineFixture.nodeIn;
import static org.assertj.core.api.Assertions.assertThat;

/** Decision 1: every state route checks that the state belongs to the path namespace; 404 otherwise. */
class EngineNamespaceTest
{
    private static final String OTHER = "other";

    private final EngineFixture f = new EngineFixture().register("A", "x", "|", "o");

    /** Every state route called in {@code namespace} for a state id; the token is the claim's. */
    private List<LongFunction<Object>> routes(final String namespace, final long token)
    {
        return List.of(
            id -> f.engine.executed(f.now, namespace, id, token, List.of(map("o", "v"))),
            id -> f.engine.errored(f.now, namespace, id, token, "boom"),
            id -> f.engine.prune(f.now, namespace, id, token, "{}"),
            id -> f.engine.reenqueueAfter(f.now, namespace, id, token, 10),
            id -> f.engine.manualRetry(f.now, namespace, id, "fresh"),
            id -> f.engine.heartbeat(f.now, namespace, id, token, 10),
            id -> f.engine.stateSecrets(namespace, id));
    }

    private void assertNotFound(final LongFunction<Object> route, final long id)
    {
        final Rejection r = f.rejectedWithoutChange(() -> route.apply(id));
        assertThat(r.code()).isEqualTo(RejectCode.STATE_NOT_FOUND);
        assertThat(r.code().httpStatus()).isEqualTo(404);
        assertThat(r.detail()).isEqualTo("State not found");
    }

    @Test
    void shouldAnswerStateNotFoundOnEveryStateRouteForAStateOfAnotherNamespace()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));
        f.trigger("g");
        final EngineFixture.Claimed a = f.claimOne("A", 1000);

        for (final LongFunction<Object> route : routes(OTHER, a.token()))
        {
            assertNotFound(route, a.id());
        }
        assertThat(f.status(a.id())).isEqualTo(Status.QUEUED);
        assertThat(f.executed(a, map("o", "v")).ok()).isTrue();
    }

    @Test
    void shouldAnswerStateNotFoundOnEveryStateRouteForAnUnknownId()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));
        f.trigger("g");
        final EngineFixture.Claimed a = f.claimOne("A");

        for (final long id : new long[]{a.id() + 1000, 0, -1, Long.MIN_VALUE})
        {
            for (final LongFunction<Object> route : routes(NS, a.token()))
            {
                assertNotFound(route, id);
            }
        }
    }

    @Test
    void shouldReportAChildInTheNamespaceOfItsNodeTemplate()
    {
        f.registerIn(OTHER, "B", "y");
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            nodeIn(OTHER, "b", "B", map("y", "${{ a.outputs.o }}"))));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));
        assertThat(f.states(run, "b").get(0).namespace()).isEqualTo(OTHER);
        assertThat(f.claimAll("B")).isEmpty();
        final ClaimReply claimed = f.engine.claim(f.now, OTHER, new String[]{"B"}, 1, 1, 0);
        final long b = claimed.stateId(0);
        final long token = claimed.claimToken(0);

        assertNotFound(id -> f.engine.executed(f.now, NS, id, token, List.of(Map.of())), b);
        assertThat(f.engine.executed(f.now, OTHER, b, token, List.of(Map.of())).ok()).isTrue();

        assertThat(f.status(b)).isEqualTo(Status.SUCCESS);
        assertThat(f.runSummary(run).status()).isEqualTo("SUCCESS");
    }
}
