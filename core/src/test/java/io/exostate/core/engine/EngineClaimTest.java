package io.exostate.core.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.graphIn;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static io.exostate.core.engine.EngineFixture.nodeIn;
import static org.assertj.core.api.Assertions.assertThat;

/** Claims (route #9, decision 6): FIFO by (enqueue_after, creation order), batches, namespaces, delays. */
class EngineClaimTest
{
    private static final String OTHER = "other";

    private final EngineFixture f = new EngineFixture()
        .register("X", "x")
        .register("Y", "x");

    private void singleNodeGraphs()
    {
        f.upsertValid(graph("gx", node("x", "X", map("x", "1"))));
        f.upsertValid(graph("gy", node("y", "Y", map("x", "1"))));
    }

    private String runOf(final EngineFixture.Claimed c)
    {
        return f.state(c.id()).runId();
    }

    @Test
    void shouldClaimFifoByEnqueueAfterThenCreationOrderAcrossNodeNames()
    {
        singleNodeGraphs();
        final String late = f.trigger("gx", Map.of(), Map.of(), 300);
        final String midY = f.trigger("gy", Map.of(), Map.of(), 100);
        final String midX = f.trigger("gx", Map.of(), Map.of(), 100);
        final String nowY = f.trigger("gy", Map.of(), Map.of(), 0);
        final String nowX = f.trigger("gx", Map.of(), Map.of(), 0);
        f.advance(300);

        final List<EngineFixture.Claimed> claimed = f.claim(10, 0, "X", "Y");

        assertThat(claimed).extracting(this::runOf).containsExactly(nowY, nowX, midY, midX, late);
    }

    @Test
    void shouldHandOutABatchOfUpToNStatesInOneCall()
    {
        singleNodeGraphs();
        for (int i = 0; i < 5; i++)
        {
            f.trigger("gx");
        }

        assertThat(f.claim(3, 0, "X")).hasSize(3);
        assertThat(f.claim(3, 0, "X")).hasSize(2);
        assertThat(f.claim(3, 0, "X")).isEmpty();
    }

    @Test
    void shouldNeverHandOutAStateTwice()
    {
        singleNodeGraphs();
        for (int i = 0; i < 3; i++)
        {
            f.trigger("gx");
            f.trigger("gy");
        }

        final List<EngineFixture.Claimed> all = new ArrayList<>(f.claim(2, 0, "X"));
        all.addAll(f.claim(10, 0, "Y", "X"));
        all.addAll(f.claim(10, 0, "X", "Y"));

        assertThat(all).hasSize(6);
        assertThat(all).extracting(EngineFixture.Claimed::id).doesNotHaveDuplicates();
        assertThat(all).extracting(EngineFixture.Claimed::token).doesNotHaveDuplicates();
    }

    @Test
    void shouldReturnNothingAndChangeNothingForAnEmptyClaim()
    {
        singleNodeGraphs();
        f.trigger("gx");

        for (final int max : new int[]{0, -1, Integer.MIN_VALUE})
        {
            final ClaimReply r = f.withoutChange(() -> f.engine.claim(f.now, NS, new String[]{"X"}, 1, max, 0));
            assertThat(r.ok()).isTrue();
            assertThat(r.count()).isZero();
        }
        assertThat(f.withoutChange(() -> f.engine.claim(f.now, NS, new String[0], 0, 10, 0)).count()).isZero();
        assertThat(f.withoutChange(() -> f.engine.claim(f.now, NS, new String[]{"Nope"}, 1, 10, 0)).count()).isZero();
        assertThat(f.withoutChange(() -> f.engine.claim(f.now, "unknown", new String[]{"X"}, 1, 10, 0)).count())
            .isZero();
        assertThat(f.claimAll("X")).hasSize(1);
    }

    @Test
    void shouldOfferEachStateOnceWhenANodeNameIsListedTwice()
    {
        singleNodeGraphs();
        f.trigger("gx");
        f.trigger("gx");

        assertThat(f.claim(10, 0, "X", "X", "Nope")).hasSize(2);
    }

    @Test
    void shouldOnlyOfferStatesOfTheClaimsNamespace()
    {
        f.registerIn(OTHER, "X", "x");
        f.upsertValid(graphIn(OTHER, "g", nodeIn(OTHER, "x", "X", map("x", "1"))));
        final String run = f.engine.trigger(f.now, OTHER, "g", "r-other", Map.of(), Map.of(), 0).runId();

        assertThat(f.claimAll("X")).isEmpty();
        final ClaimReply r = f.engine.claim(f.now, OTHER, new String[]{"X"}, 1, 10, 0);

        assertThat(r.count()).isEqualTo(1);
        assertThat(r.runId(0)).isEqualTo(run);
    }

    @Test
    void shouldNotOfferADelayedRootBeforeItsStartDelay()
    {
        singleNodeGraphs();
        final String run = f.trigger("gx", Map.of(), Map.of(), 1000);
        assertThat(f.states(run).get(0).enqueueAfter()).isEqualTo(f.now + 1000);

        f.advance(999);
        assertThat(f.claimAll("X")).isEmpty();
        f.advance(1);
        assertThat(f.claimAll("X")).hasSize(1);
    }

    @Test
    void shouldDescribeEachClaimedState()
    {
        singleNodeGraphs();
        final long triggeredAt = f.now;
        final String run = f.trigger("gx", Map.of("x", "in"), Map.of(), 0);
        f.advance(10);

        final ClaimReply r = f.engine.claim(f.now, NS, new String[]{"X"}, 1, 5, 0);

        assertThat(r.count()).isEqualTo(1);
        assertThat(r.stateId(0)).isEqualTo(f.engine.runStateIds(run)[0]);
        assertThat(r.claimToken(0)).isNotEqualTo(Commands.NO_TOKEN);
        assertThat(r.nodeName(0)).isEqualTo("X");
        assertThat(r.identifier(0)).isEqualTo("x");
        assertThat(r.graphName(0)).isEqualTo("gx");
        assertThat(r.runId(0)).isEqualTo(run);
        assertThat(Payloads.decodeMap(r.inputs(0))).isEqualTo(map("x", "in"));
        assertThat(r.retryCount(0)).isZero();
        assertThat(r.createdAt(0)).isEqualTo(triggeredAt);
        assertThat(r.leaseDeadline(0)).isZero();
    }

    @Test
    void shouldRefuseABatchLargerThanTheLimitAndChangeNothing()
    {
        final EngineFixture small = new EngineFixture(new Engine(new EngineConfig(4, 100, 4096, 100)))
            .register("X", "x");
        small.upsertValid(graph("gx", node("x", "X", map("x", "1"))));
        for (int i = 0; i < 5; i++)
        {
            small.trigger("gx");
        }

        final Rejection r = small.rejectedWithoutChange(
            () -> small.engine.claim(small.now, NS, new String[]{"X"}, 1, 5, 0));

        assertThat(r.code()).isEqualTo(RejectCode.LIMIT_EXCEEDED);
        assertThat(r.detail()).isEqualTo("Expected a claim batch of at most 4 states, but got 5");
        assertThat(small.claim(4, 0, "X")).hasSize(4);
    }

    @Test
    void shouldRefuseANegativeLeaseAndChangeNothing()
    {
        singleNodeGraphs();
        f.trigger("gx");

        final Rejection r = f.rejectedWithoutChange(() -> f.engine.claim(f.now, NS, new String[]{"X"}, 1, 1, -1));

        assertThat(r.code()).isEqualTo(RejectCode.INVALID_REQUEST);
    }

    @Test
    void shouldTellTheListenerWhenWorkBecomesReady()
    {
        singleNodeGraphs();
        final List<String> ready = new ArrayList<>();
        f.engine.listener(new EngineListener()
        {
            @Override
            public void onWorkReady(final String namespace, final String nodeName)
            {
                ready.add(namespace + "/" + nodeName);
            }
        });

        f.trigger("gx");
        f.trigger("gy", Map.of(), Map.of(), 500);
        assertThat(ready).containsExactly(NS + "/X");

        f.advance(500);
        f.engine.tick(f.now);

        assertThat(ready).containsExactly(NS + "/X", NS + "/Y");
        final Set<Long> ids = new HashSet<>();
        f.claimAll("X", "Y").forEach(c -> ids.add(c.id()));
        assertThat(ids).hasSize(2);
    }
}
