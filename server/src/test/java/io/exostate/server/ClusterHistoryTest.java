package io.exostate.server;

import io.exostate.core.model.Status;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The checker of {@link ClusterKillTest}: quiet on a clean history, and it sees each kind of fault. */
class ClusterHistoryTest
{
    private static final long LEASE = 5_000;
    private static final Map<String, Integer> EXPECTED = Map.of("a", 1, "b", 1);

    private final ClusterHistory history = new ClusterHistory();
    private final Map<String, ClusterHistory.RunView> runs = new LinkedHashMap<>();

    /** Run {@code r}: states 10r+1 (a) and 10r+2 (b), both SUCCESS, each claimed and executed once. */
    private void cleanRun(final int r, final long t)
    {
        final String runId = "run-" + r;
        runs.put(runId, new ClusterHistory.RunView(runId, "SUCCESS", new ArrayList<>(List.of(
            new ClusterHistory.StateView(10L * r + 1, "a", Status.SUCCESS),
            new ClusterHistory.StateView(10L * r + 2, "b", Status.SUCCESS)))));
        history.triggers.add(new ClusterHistory.Trigger(runId, t, t + 1, false));
        claim("rt-1", 10L * r + 1, 100L * r + 1, runId, "a", t);
        executed("rt-1", 10L * r + 1, 100L * r + 1, true);
        claim("rt-2", 10L * r + 2, 100L * r + 2, runId, "b", t + 10);
        executed("rt-2", 10L * r + 2, 100L * r + 2, true);
    }

    private void claim(final String rt, final long state, final long token, final String runId, final String id,
        final long grantedAt)
    {
        history.claims.add(new ClusterHistory.Claim(rt, state, token, runId, id, grantedAt + LEASE, grantedAt + 2, 0));
    }

    private void executed(final String rt, final long state, final long token, final boolean ok)
    {
        history.answers.add(new ClusterHistory.Answer(rt, ClusterHistory.Kind.EXECUTED, state, token, ok,
            ok ? null : "STALE_TOKEN", !ok, 0, 0));
    }

    private List<String> check()
    {
        return history.check(runs, EXPECTED, LEASE, 50);
    }

    @Test
    void shouldFindNothingWrongWithACleanHistory()
    {
        cleanRun(1, 1_000);
        cleanRun(2, 2_000);
        // Run 3: the first claim of its state a lost its lease (its report came too late: STALE_TOKEN) and another
        // runtime took the state once the lease had ended; a resent executed report got the first answer again.
        runs.put("run-3", new ClusterHistory.RunView("run-3", "SUCCESS", List.of(
            new ClusterHistory.StateView(31, "a", Status.SUCCESS), new ClusterHistory.StateView(32, "b", Status.SUCCESS))));
        history.triggers.add(new ClusterHistory.Trigger("run-3", 3_000, 3_001, true));
        claim("rt-1", 31, 301, "run-3", "a", 3_000);
        claim("rt-3", 31, 350, "run-3", "a", 3_000 + LEASE);
        executed("rt-1", 31, 301, false);
        executed("rt-3", 31, 350, true);
        executed("rt-3", 31, 350, true);
        claim("rt-2", 32, 351, "run-3", "b", 3_000 + LEASE + 5);
        executed("rt-2", 32, 351, true);
        // A run whose trigger was never acknowledged exists too: allowed, it only has to succeed.
        cleanRun(4, 4_000);
        history.triggers.removeIf(t -> t.runId().equals("run-4"));

        assertThat(check()).isEmpty();
    }

    @Test
    void shouldSeeALostRunAndARunThatDidNotSucceed()
    {
        cleanRun(1, 1_000);
        history.triggers.add(new ClusterHistory.Trigger("run-lost", 5, 6, false));
        runs.put("run-1", new ClusterHistory.RunView("run-1", "PENDING", runs.get("run-1").states()));

        assertThat(check()).hasSize(2)
            .anyMatch(v -> v.startsWith("lost run: trigger of run-lost"))
            .anyMatch(v -> v.startsWith("run run-1 ended PENDING"));
    }

    @Test
    void shouldSeeADuplicateStateForAStep()
    {
        cleanRun(1, 1_000);
        runs.get("run-1").states().add(new ClusterHistory.StateView(19, "b", Status.SUCCESS));

        assertThat(check()).singleElement().asString().contains("has states {a=1, b=2}");
    }

    @Test
    void shouldSeeAnAcknowledgedExecutedReportThatIsNotReflected()
    {
        cleanRun(1, 1_000);
        runs.put("run-1", new ClusterHistory.RunView("run-1", "SUCCESS", List.of(
            new ClusterHistory.StateView(11, "a", Status.SUCCESS),
            new ClusterHistory.StateView(12, "b", Status.QUEUED))));

        assertThat(check()).singleElement().asString().contains("was acknowledged but the state is QUEUED");
    }

    @Test
    void shouldSeeAStateExecutedByTwoClaims()
    {
        cleanRun(1, 1_000);
        claim("rt-3", 11, 150, "run-1", "a", 1_000 + LEASE);
        executed("rt-3", 11, 150, true);

        assertThat(check())
            .anyMatch(v -> v.startsWith("applied twice: state") && v.endsWith("claims [101, 150]"))
            .anyMatch(v -> v.contains("claimed again") && v.contains("after the executed report"));
    }

    @Test
    void shouldSeeAStateHeldByTwoRuntimesUnderValidLeases()
    {
        cleanRun(1, 1_000);
        claim("rt-3", 21, 250, "run-2", "a", 2_000);
        claim("rt-2", 21, 251, "run-2", "a", 2_000 + LEASE - 1);
        runs.put("run-2", new ClusterHistory.RunView("run-2", "SUCCESS", List.of(
            new ClusterHistory.StateView(21, "a", Status.SUCCESS), new ClusterHistory.StateView(22, "b", Status.SUCCESS))));

        assertThat(check()).singleElement().asString().contains("held twice").contains("before the lease of");
    }

    @Test
    void shouldCountAHeartbeatAsExtendingTheLease()
    {
        cleanRun(1, 1_000);
        claim("rt-3", 21, 250, "run-2", "a", 2_000);
        history.answers.add(new ClusterHistory.Answer("rt-3", ClusterHistory.Kind.HEARTBEAT, 21, 250, true, null,
            false, 2_000 + 2 * LEASE, 0));
        claim("rt-2", 21, 251, "run-2", "a", 2_000 + LEASE + 1);
        runs.put("run-2", new ClusterHistory.RunView("run-2", "SUCCESS", List.of(
            new ClusterHistory.StateView(21, "a", Status.SUCCESS), new ClusterHistory.StateView(22, "b", Status.SUCCESS))));

        assertThat(check()).singleElement().asString().contains("held twice");
    }

    @Test
    void shouldSeeAClaimThatArrivedBeforeTheEarlierLeaseEndedOnTheWallClock()
    {
        cleanRun(1, 1_000);
        claim("rt-3", 21, 250, "run-2", "a", 2_000);
        // Granted at an engine time past the first lease, but received 1 s earlier on the wall clock.
        history.claims.add(new ClusterHistory.Claim("rt-2", 21, 251, "run-2", "a", 2_000 + 2 * LEASE,
            2_000 + LEASE - 1_000, 0));
        runs.put("run-2", new ClusterHistory.RunView("run-2", "SUCCESS", List.of(
            new ClusterHistory.StateView(21, "a", Status.SUCCESS), new ClusterHistory.StateView(22, "b", Status.SUCCESS))));

        assertThat(check()).singleElement().asString().contains("held twice in real time");
    }

    @Test
    void shouldCountAClaimAsAnsweredOnlyOnceTheClusterAcknowledgedOrRejectedItsReport()
    {
        claim("rt-1", 1, 1, "run-1", "a", 1_000);
        claim("rt-1", 2, 2, "run-1", "b", 1_000);
        claim("rt-2", 3, 3, "run-2", "a", 1_000);
        executed("rt-1", 1, 1, true);
        executed("rt-2", 3, 3, false);
        history.answers.add(new ClusterHistory.Answer("rt-1", ClusterHistory.Kind.EXECUTED, 2, 2, false,
            "TIMEOUT: no answer", false, 0, 0));

        assertThat(history.unanswered()).extracting(ClusterHistory.Claim::token).containsExactly(2L);
    }

    @Test
    void shouldSeeAClaimTokenHandedOutTwice()
    {
        cleanRun(1, 1_000);
        claim("rt-3", 12, 101, "run-1", "b", 1_000);

        assertThat(check()).anyMatch(v -> v.startsWith("claim token 101 handed out twice"));
    }
}
