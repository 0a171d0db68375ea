package io.exostate.core.engine;

import io.exostate.core.model.Status;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.LongFunction;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static org.assertj.core.api.Assertions.assertThat;

/** Leases (decision 7): expiry, heartbeats, stale tokens, and reports without a token from the HTTP edge. */
class EngineLeaseTest
{
    private static final long LEASE = 1000;

    private final EngineFixture f = new EngineFixture().register("A", "x", "|", "o");

    private EngineFixture.Claimed claimLeased()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));
        f.trigger("g");
        return f.claimOne("A", LEASE);
    }

    @Test
    void shouldStampTheLeaseDeadlineOnTheClaim()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));
        f.trigger("g");
        f.trigger("g");

        final ClaimReply leased = f.engine.claim(f.now, NS, new String[]{"A"}, 1, 1, LEASE);
        assertThat(leased.leaseDeadline(0)).isEqualTo(f.now + LEASE);
        final ClaimReply unleased = f.engine.claim(f.now, NS, new String[]{"A"}, 1, 1, 0);
        assertThat(unleased.leaseDeadline(0)).isZero();
    }

    @Test
    void shouldOfferStateAgainWhenLeaseExpires()
    {
        final EngineFixture.Claimed first = claimLeased();

        f.advance(LEASE - 1);
        assertThat(f.engine.tick(f.now).timersFired()).isZero();
        assertThat(f.status(first.id())).isEqualTo(Status.QUEUED);
        f.advance(1);
        assertThat(f.engine.tick(f.now).timersFired()).isEqualTo(1);
        assertThat(f.status(first.id())).isEqualTo(Status.CREATED);

        final EngineFixture.Claimed second = f.claimOne("A", LEASE);
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.token()).isNotEqualTo(first.token());
        assertThat(f.executed(second, map("o", "v")).ok()).isTrue();
        assertThat(f.status(first.id())).isEqualTo(Status.SUCCESS);
    }

    @Test
    void shouldExpireALeaseBeforeApplyingTheCommandThatArrivesAtItsDeadline()
    {
        final EngineFixture.Claimed first = claimLeased();
        f.advance(LEASE);

        final EngineFixture.Claimed second = f.claimOne("A");

        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.token()).isNotEqualTo(first.token());
    }

    @Test
    void shouldExtendTheLeaseOnHeartbeat()
    {
        final EngineFixture.Claimed a = claimLeased();
        final long claimedAt = f.now;
        f.advance(500);

        final Replies.Heartbeat hb = f.engine.heartbeat(f.now, NS, a.id(), a.token(), LEASE);

        assertThat(hb.ok()).isTrue();
        assertThat(hb.leaseDeadline()).isEqualTo(claimedAt + 1500);
        f.now = claimedAt + 1499;
        f.engine.tick(f.now);
        assertThat(f.status(a.id())).isEqualTo(Status.QUEUED);
        f.now = claimedAt + 1500;
        f.engine.tick(f.now);
        assertThat(f.status(a.id())).isEqualTo(Status.CREATED);
    }

    @Test
    void shouldNeverShortenALeaseOnHeartbeat()
    {
        final EngineFixture.Claimed a = claimLeased();
        final long claimedAt = f.now;
        f.advance(500);

        assertThat(f.engine.heartbeat(f.now, NS, a.id(), a.token(), 10).leaseDeadline()).isEqualTo(claimedAt + LEASE);
        f.now = claimedAt + LEASE - 1;
        f.engine.tick(f.now);

        assertThat(f.status(a.id())).isEqualTo(Status.QUEUED);
    }

    @Test
    void shouldNotExpireAClaimWithoutLease()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));
        f.trigger("g");
        final EngineFixture.Claimed a = f.claimOne("A");

        f.advance(365L * 24 * 3600 * 1000);

        assertThat(f.engine.tick(f.now).timersFired()).isZero();
        assertThat(f.status(a.id())).isEqualTo(Status.QUEUED);
    }

    @Test
    void shouldEndTheLeaseWhenTheStateIsReported()
    {
        final EngineFixture.Claimed a = claimLeased();
        assertThat(f.executed(a, map("o", "v")).ok()).isTrue();

        f.advance(10 * LEASE);

        assertThat(f.engine.tick(f.now).timersFired()).isZero();
        assertThat(f.status(a.id())).isEqualTo(Status.SUCCESS);
    }

    @Test
    void shouldAcceptAReportWithoutTokenOnALeasedState()
    {
        final EngineFixture.Claimed a = claimLeased();

        assertThat(f.engine.executed(f.now, NS, a.id(), Commands.NO_TOKEN, List.of(map("o", "v"))).ok()).isTrue();

        assertThat(f.status(a.id())).isEqualTo(Status.SUCCESS);
        f.advance(LEASE);
        assertThat(f.engine.tick(f.now).timersFired()).isZero();
    }

    @Test
    void shouldRefuseEveryReportWithTheTokenOfAnExpiredLease()
    {
        final EngineFixture.Claimed old = claimLeased();
        f.advance(LEASE);
        f.engine.tick(f.now);
        assertStale(old);

        final EngineFixture.Claimed current = f.claimOne("A", LEASE);
        assertStale(old);

        assertThat(f.executed(current, map("o", "v")).ok()).isTrue();
        assertStale(old);
    }

    /** Every report and the heartbeat with this claim's token are refused as stale, and change nothing. */
    private void assertStale(final EngineFixture.Claimed c)
    {
        final List<LongFunction<Object>> reports = List.of(
            token -> f.engine.executed(f.now, NS, c.id(), token, List.of(map("o", "late"))),
            token -> f.engine.errored(f.now, NS, c.id(), token, "late"),
            token -> f.engine.prune(f.now, NS, c.id(), token, "{}"),
            token -> f.engine.reenqueueAfter(f.now, NS, c.id(), token, 10),
            token -> f.engine.heartbeat(f.now, NS, c.id(), token, LEASE));
        for (final LongFunction<Object> report : reports)
        {
            final Rejection r = f.rejectedWithoutChange(() -> report.apply(c.token()));
            assertThat(r.code()).as("%s with a stale token", r).isEqualTo(RejectCode.STALE_TOKEN);
        }
    }

    @Test
    void shouldRefuseAHeartbeatWithoutTokenOrWithoutLease()
    {
        final EngineFixture.Claimed a = claimLeased();

        final Rejection noToken = f.rejectedWithoutChange(
            () -> f.engine.heartbeat(f.now, NS, a.id(), Commands.NO_TOKEN, LEASE));
        final Rejection noLease = f.rejectedWithoutChange(() -> f.engine.heartbeat(f.now, NS, a.id(), a.token(), 0));

        assertThat(noToken.code()).isEqualTo(RejectCode.STALE_TOKEN);
        assertThat(noLease.code()).isEqualTo(RejectCode.INVALID_REQUEST);
    }

    @Test
    void shouldRefuseAHeartbeatForAStateThatIsNoLongerQueued()
    {
        final EngineFixture.Claimed a = claimLeased();
        f.executed(a, map("o", "v"));

        final Rejection r = f.rejectedWithoutChange(() -> f.engine.heartbeat(f.now, NS, a.id(), a.token(), LEASE));

        assertThat(r.code()).isEqualTo(RejectCode.WRONG_STATUS);
        assertThat(r.detail()).isEqualTo("State is not queued");
    }

    @Test
    void shouldExpireAtMostTheConfiguredNumberOfLeasesPerCommand()
    {
        final EngineFixture small = new EngineFixture(new Engine(new EngineConfig(100, 100, 4096, 2)))
            .register("A", "x", "|", "o");
        small.upsertValid(graph("g", node("a", "A", map("x", "1"))));
        for (int i = 0; i < 3; i++)
        {
            small.trigger("g");
        }
        final List<EngineFixture.Claimed> claimed = small.claim(3, LEASE, "A");
        small.advance(LEASE);

        assertThat(small.engine.tick(small.now).timersFired()).isEqualTo(2);
        assertThat(claimed).extracting(c -> small.status(c.id()))
            .containsExactly(Status.CREATED, Status.CREATED, Status.QUEUED);
        assertThat(small.engine.tick(small.now).timersFired()).isEqualTo(1);
        assertThat(small.status(claimed.get(2).id())).isEqualTo(Status.CREATED);
    }

    @Test
    void shouldKeepLeasesAcrossSnapshotAndRestore()
    {
        final EngineFixture.Claimed a = claimLeased();
        final Engine restored = Engine.restore(f.engine.snapshot(), EngineConfig.DEFAULT);
        assertThat(restored.nextDeadline()).isEqualTo(f.now + LEASE);

        assertThat(restored.tick(f.now + LEASE).timersFired()).isEqualTo(1);

        assertThat(restored.state(a.id()).status()).isEqualTo(Status.CREATED);
    }
}
