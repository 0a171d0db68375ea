package io.exostate.core.engine;

import io.exostate.core.model.Status;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.graphIn;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static io.exostate.core.engine.EngineFixture.nodeIn;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Claims with a request id (Commands.claim's clientId and requestId): a claim sent again after an uncertain failure
 * answers the states the first one handed out instead of handing out a second batch.
 */
class EngineClaimRequestIdTest
{
    private static final long CLIENT = 0x7A5E_0001L;
    private static final long OTHER_CLIENT = -0x7A5E_0002L;
    private static final long LEASE = 30_000;

    private final EngineFixture f = new EngineFixture(new Engine(EngineConfig.DEFAULT.withClaimRequestWindowMs(60_000)))
        .register("X", "x");

    /** A claim's full answer, one line per state (every field a runtime gets), copied out of the flyweight. */
    private record Answer(List<Long> ids, List<Long> tokens, String text)
    {
    }

    private void ready(final int states)
    {
        if (f.engine.graph(NS, "gx") == null)
        {
            f.upsertValid(graph("gx", node("x", "X", map("x", "1"))));
        }
        for (int i = 0; i < states; i++)
        {
            f.trigger("gx");
        }
    }

    private Answer claim(final long client, final long request, final int max)
    {
        return claimIn(NS, client, request, max, LEASE);
    }

    private Answer claimIn(final String namespace, final long client, final long request, final int max, final long lease)
    {
        final ClaimReply r = f.engine.claim(f.now, namespace, new String[]{"X"}, 1, max, lease, client, request);
        assertThat(r.ok()).as("claim: %s", r).isTrue();
        return answer(r);
    }

    private static Answer answer(final ClaimReply r)
    {
        final List<Long> ids = new ArrayList<>();
        final List<Long> tokens = new ArrayList<>();
        for (int i = 0; i < r.count(); i++)
        {
            ids.add(r.stateId(i));
            tokens.add(r.claimToken(i));
        }
        return new Answer(ids, tokens, ReplayCommand.render(r));
    }

    private static EngineFixture.Claimed claimed(final Answer a, final int i)
    {
        return new EngineFixture.Claimed(a.ids().get(i), a.tokens().get(i), "x", Map.of());
    }

    @Test
    void shouldAnswerARepeatWithTheSameStatesAndClaimNothingMore()
    {
        ready(5);
        final Answer first = claim(CLIENT, 1, 2);
        assertThat(first.ids()).hasSize(2);

        final Answer repeat = f.withoutChange(() -> claim(CLIENT, 1, 2));

        assertThat(repeat).isEqualTo(first);
        assertThat(f.claim(10, 0, "X")).as("the repeat took nothing of the other three").hasSize(3);
        assertThat(claim(CLIENT, 1, 2)).as("still the first answer once the queue is empty").isEqualTo(first);
    }

    @Test
    void shouldAnswerARepeatWithTheLeaseDeadlineAsItIsNow()
    {
        ready(1);
        final Answer first = claim(CLIENT, 1, 1);
        f.advance(1_000);
        final long extended = f.engine.heartbeat(f.now, NS, first.ids().get(0), first.tokens().get(0), 60_000)
            .leaseDeadline();

        final ClaimReply repeat = f.engine.claim(f.now, NS, new String[]{"X"}, 1, 1, LEASE, CLIENT, 1);

        assertThat(repeat.count()).isEqualTo(1);
        assertThat(repeat.claimToken(0)).isEqualTo(first.tokens().get(0));
        assertThat(repeat.leaseDeadline(0)).isEqualTo(extended).isEqualTo(f.now + 60_000);
    }

    @Test
    void shouldLeaveOutOfARepeatTheStatesNoLongerClaimedUnderTheirFirstToken()
    {
        ready(4);
        final Answer first = claimIn(NS, CLIENT, 1, 4, 1_000);
        assertThat(f.executed(claimed(first, 0), map()).ok()).isTrue();
        assertThat(f.engine.reenqueueAfter(f.now, NS, first.ids().get(1), first.tokens().get(1), 10).ok()).isTrue();
        f.advance(500);
        f.engine.heartbeat(f.now, NS, first.ids().get(3), first.tokens().get(3), 10_000);
        f.advance(600);
        f.engine.tick(f.now); // the third state's lease expires
        assertThat(f.status(first.ids().get(2))).isEqualTo(Status.CREATED);
        final List<EngineFixture.Claimed> reclaimed = f.claim(10, 0, "X");
        assertThat(reclaimed).extracting(EngineFixture.Claimed::id)
            .as("the re-enqueued and the expired state, claimed by someone else under new tokens")
            .containsExactlyInAnyOrder(first.ids().get(1), first.ids().get(2));

        final Answer repeat = claimIn(NS, CLIENT, 1, 4, 1_000);

        assertThat(repeat.ids()).containsExactly(first.ids().get(3));
        assertThat(repeat.tokens()).containsExactly(first.tokens().get(3));
    }

    @Test
    void shouldAnswerAnOlderRequestWithNoStatesAndChangeNothing()
    {
        ready(3);
        claim(CLIENT, 1, 1);
        final Answer second = claim(CLIENT, 2, 1);

        assertThat(f.withoutChange(() -> claim(CLIENT, 1, 1)).ids()).isEmpty();
        assertThat(claim(CLIENT, 2, 1)).as("the latest request is still remembered").isEqualTo(second);
        assertThat(f.claim(10, 0, "X")).as("the stale request took nothing").hasSize(1);
    }

    @Test
    void shouldClaimANewerRequestNormallyAndForgetTheOlderOne()
    {
        ready(3);
        final Answer first = claim(CLIENT, 5, 1);

        final Answer next = claim(CLIENT, 9, 2);

        assertThat(next.ids()).hasSize(2).doesNotContainAnyElementsOf(first.ids());
        assertThat(claim(CLIENT, 5, 1).ids()).as("request 5 is now stale").isEmpty();
        assertThat(claim(CLIENT, 9, 2)).isEqualTo(next);
    }

    @Test
    void shouldKeepEveryClientsMemoryApart()
    {
        ready(3);
        final Answer mine = claim(CLIENT, 1, 1);

        final Answer theirs = claim(OTHER_CLIENT, 1, 1);
        final Answer anonymous = claim(Commands.NO_CLIENT, 0, 1);

        assertThat(theirs.ids()).hasSize(1).doesNotContainAnyElementsOf(mine.ids());
        assertThat(anonymous.ids()).hasSize(1).doesNotContainAnyElementsOf(mine.ids())
            .doesNotContainAnyElementsOf(theirs.ids());
        assertThat(claim(CLIENT, 1, 1)).isEqualTo(mine);
        assertThat(claim(OTHER_CLIENT, 1, 1)).isEqualTo(theirs);
        assertThat(claim(Commands.NO_CLIENT, 0, 1).ids()).as("a claim without an id is never a repeat").isEmpty();
    }

    @Test
    void shouldRememberNothingForAClaimThatFoundNothing()
    {
        ready(0);
        // A parked long-poll claim is applied again with the same bytes when work arrives: it must claim then.
        assertThat(f.withoutChange(() -> claim(CLIENT, 1, 1)).ids()).isEmpty();
        ready(1);

        final Answer again = claim(CLIENT, 1, 1);

        assertThat(again.ids()).hasSize(1);
        assertThat(claim(CLIENT, 1, 1)).isEqualTo(again);
    }

    @Test
    void shouldForgetAClientOnceItsLatestClaimIsAWindowOld()
    {
        ready(2);
        final Answer first = claimIn(NS, CLIENT, 1, 1, 0);
        f.advance(59_999);
        assertThat(claimIn(NS, CLIENT, 1, 1, 0)).as("within the window").isEqualTo(first);
        assertThat(f.engine.claimRequests.size()).isEqualTo(1);

        f.advance(1);
        f.engine.tick(f.now);

        assertThat(f.engine.claimRequests.size()).as("forgotten by whatever command comes next").isZero();
        final Answer afterWindow = claimIn(NS, CLIENT, 1, 1, 0);
        assertThat(afterWindow.ids()).as("a forgotten request claims anew").hasSize(1)
            .doesNotContainAnyElementsOf(first.ids());
        assertThat(f.status(first.ids().get(0))).isEqualTo(Status.QUEUED);
    }

    @Test
    void shouldCountTheWindowFromTheClientsLatestClaimThatHandedOutStates()
    {
        ready(3);
        final Answer older = claimIn(NS, OTHER_CLIENT, 1, 1, 0);
        f.advance(30_000);
        claimIn(NS, CLIENT, 1, 1, 0);
        f.advance(20_000);
        assertThat(claimIn(NS, OTHER_CLIENT, 1, 1, 0)).as("a repeat does not renew the memory").isEqualTo(older);
        final Answer renewed = claimIn(NS, CLIENT, 2, 1, 0);

        f.advance(10_000); // 60 s after OTHER_CLIENT's claim, 40 s after CLIENT's first, 10 s after its second
        f.engine.tick(f.now);

        assertThat(f.engine.claimRequests.size()).isEqualTo(1);
        assertThat(f.engine.claimRequests.oldest().clientId).isEqualTo(CLIENT);
        assertThat(claimIn(NS, CLIENT, 2, 1, 0)).isEqualTo(renewed);
    }

    @Test
    void shouldKeepTheMemoryAcrossASnapshot()
    {
        ready(4);
        final Answer mine = claim(CLIENT, 3, 2);
        f.advance(10_000);
        final Answer theirs = claim(OTHER_CLIENT, 7, 1);
        final byte[] snapshot = f.engine.snapshot();

        final Engine restored = Engine.restore(snapshot, f.engine.config);

        assertThat(restored.snapshot()).isEqualTo(snapshot);
        assertThat(answer(restored.claim(f.now, NS, new String[]{"X"}, 1, 2, LEASE, CLIENT, 3))).isEqualTo(mine);
        assertThat(answer(restored.claim(f.now, NS, new String[]{"X"}, 1, 1, LEASE, OTHER_CLIENT, 6)).ids()).isEmpty();
        assertThat(answer(restored.claim(f.now, NS, new String[]{"X"}, 1, 1, LEASE, OTHER_CLIENT, 7)))
            .isEqualTo(theirs);
        // The restored memory expires in the same order: CLIENT's entry first.
        restored.tick(f.now + 50_000);
        assertThat(restored.claimRequests.size()).isEqualTo(1);
        assertThat(restored.claimRequests.oldest().clientId).isEqualTo(OTHER_CLIENT);
    }

    @Test
    void shouldRememberNothingForARejectedClaim()
    {
        ready(2);
        final Rejection badLease = f.rejectedWithoutChange(
            () -> f.engine.claim(f.now, NS, new String[]{"X"}, 1, 1, -1, CLIENT, 4));
        assertThat(badLease.code()).isEqualTo(RejectCode.INVALID_REQUEST);
        final Rejection tooMany = f.rejectedWithoutChange(
            () -> f.engine.claim(f.now, NS, new String[]{"X"}, 1, 5_000, LEASE, CLIENT, 4));
        assertThat(tooMany.code()).isEqualTo(RejectCode.LIMIT_EXCEEDED);

        final Answer valid = claim(CLIENT, 4, 1);

        assertThat(valid.ids()).as("the same request id, now valid, claims").hasSize(1);
        assertThat(f.engine.claimRequests.size()).isEqualTo(1);
    }

    @Test
    void shouldRejectARequestIdWithoutAClientAndAClientWithoutARequestId()
    {
        ready(1);

        final Rejection noClient = f.rejectedWithoutChange(
            () -> f.engine.claim(f.now, NS, new String[]{"X"}, 1, 1, 0, Commands.NO_CLIENT, 3));
        final Rejection noRequest = f.rejectedWithoutChange(
            () -> f.engine.claim(f.now, NS, new String[]{"X"}, 1, 1, 0, CLIENT, 0));
        final Rejection negative = f.rejectedWithoutChange(
            () -> f.engine.claim(f.now, NS, new String[]{"X"}, 1, 1, 0, CLIENT, -5));

        assertThat(noClient.code()).isEqualTo(RejectCode.INVALID_REQUEST);
        assertThat(noClient.detail()).isEqualTo("Expected request id 0 in a claim without a client id, but got 3");
        assertThat(noRequest.detail())
            .isEqualTo("Expected a request id > 0 in a claim of client " + CLIENT + ", but got 0");
        assertThat(negative.detail()).endsWith("but got -5");
    }

    @Test
    void shouldAnswerARepeatOnlyWithStatesOfItsOwnNamespace()
    {
        f.registerIn("elsewhere", "X", "x");
        f.upsertValid(graphIn("elsewhere", "gx", nodeIn("elsewhere", "x", "X", map("x", "1"))));
        assertThat(f.engine.trigger(f.now, "elsewhere", "gx", "r-else", Map.of(), Map.of(), 0).ok()).isTrue();
        final Answer there = claimIn("elsewhere", CLIENT, 1, 1, LEASE);
        assertThat(there.ids()).hasSize(1);

        assertThat(claim(CLIENT, 1, 1).ids()).isEmpty();
        assertThat(claimIn("elsewhere", CLIENT, 1, 1, LEASE)).isEqualTo(there);
    }
}
