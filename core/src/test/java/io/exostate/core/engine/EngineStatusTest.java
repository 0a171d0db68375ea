package io.exostate.core.engine;

import io.exostate.core.model.RetryStrategy;
import io.exostate.core.model.Status;
import io.exostate.core.template.RetryPolicySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static org.assertj.core.api.Assertions.assertThat;

/** Status transitions of SPEC §2 as ExoState does them (decisions 5 and 14), and the run status of the listing. */
class EngineStatusTest
{
    private static final RetryPolicySpec NO_RETRY = new RetryPolicySpec(0, RetryStrategy.EXPONENTIAL, 2000, 2, null);

    private final EngineFixture f = new EngineFixture()
        .register("A", "x", "|", "o")
        .register("B", "y", "|", "p");

    /** a → b, b reads a's output o. */
    private void chain(final String name, final RetryPolicySpec retry)
    {
        f.upsertValid(graph(name, retry,
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"))));
    }

    @Test
    void shouldCreateRootStateAsCreatedWithNoParentsAndNoOutputs()
    {
        chain("g", RetryPolicySpec.DEFAULT);
        final String run = f.trigger("g");

        final List<Views.NodeDetails> states = f.states(run);
        assertThat(states).hasSize(1);
        final Views.NodeDetails root = states.get(0);
        assertThat(root.status()).isEqualTo(Status.CREATED);
        assertThat(root.identifier()).isEqualTo("a");
        assertThat(root.nodeName()).isEqualTo("A");
        assertThat(root.namespace()).isEqualTo(NS);
        assertThat(root.graphName()).isEqualTo("g");
        assertThat(root.runId()).isEqualTo(run);
        assertThat(root.inputsMap()).isEqualTo(map("x", "1"));
        assertThat(root.outputsMap()).isEmpty();
        assertThat(root.parents()).isEmpty();
        assertThat(root.error()).isNull();
        assertThat(root.retryCount()).isZero();
        assertThat(root.doesUnites()).isFalse();
        assertThat(root.manualRetryFanoutId()).isEmpty();
        assertThat(root.enqueueAfter()).isEqualTo(f.now);
    }

    @Test
    void shouldMarkStateQueuedWhenClaimed()
    {
        chain("g", RetryPolicySpec.DEFAULT);
        f.trigger("g");

        final EngineFixture.Claimed a = f.claimOne("A");

        assertThat(f.status(a.id())).isEqualTo(Status.QUEUED);
    }

    @Test
    void shouldMarkLeafSuccessInTheCommandThatReportsItExecuted()
    {
        f.upsertValid(graph("leaf", node("a", "A", map("x", "1"))));
        final String run = f.trigger("leaf");
        final EngineFixture.Claimed a = f.claimOne("A");

        final Replies.Executed reply = f.executed(a, map("o", "v"));

        assertThat(reply.ok()).isTrue();
        assertThat(f.status(a.id())).isEqualTo(Status.SUCCESS);
        assertThat(f.state(a.id()).outputsMap()).isEqualTo(map("o", "v"));
        assertThat(f.states(run)).hasSize(1);
    }

    @Test
    void shouldCreateChildrenAndMarkParentSuccessInTheCommandThatReportsItExecuted()
    {
        chain("g", RetryPolicySpec.DEFAULT);
        final String run = f.trigger("g");
        final EngineFixture.Claimed a = f.claimOne("A");

        assertThat(f.executed(a, map("o", "v")).ok()).isTrue();

        assertThat(f.status(a.id())).isEqualTo(Status.SUCCESS);
        final List<Views.NodeDetails> b = f.states(run, "b");
        assertThat(b).hasSize(1);
        assertThat(b.get(0).status()).isEqualTo(Status.CREATED);
        assertThat(b.get(0).inputsMap()).isEqualTo(map("y", "v"));
    }

    @Test
    void shouldMarkStateNextCreatedErrorInTheCommandThatReportsItExecutedWhenAChildCannotBeCreated()
    {
        chain("g", RetryPolicySpec.DEFAULT);
        final String run = f.trigger("g");
        final EngineFixture.Claimed a = f.claimOne("A");

        assertThat(f.executed(a, map("other", "v")).ok()).isTrue();

        final Views.NodeDetails state = f.state(a.id());
        assertThat(state.status()).isEqualTo(Status.NEXT_CREATED_ERROR);
        assertThat(state.error()).isEqualTo("Output field 'o' not found on current state 'a' for template 'b'");
        assertThat(state.outputsMap()).isEqualTo(map("other", "v"));
        assertThat(f.states(run)).hasSize(1);
    }

    @Test
    void shouldRefuseExecutedForAStateThatIsNotQueued()
    {
        f.upsertValid(graph("leaf", node("a", "A", map("x", "1"))));
        final String run = f.trigger("leaf");
        final long id = f.engine.runStateIds(run)[0];

        final Rejection created = f.rejectedWithoutChange(
            () -> f.engine.executed(f.now, NS, id, Commands.NO_TOKEN, List.of(map("o", "v"))));
        assertThat(created.code()).isEqualTo(RejectCode.WRONG_STATUS);
        assertThat(created.code().httpStatus()).isEqualTo(400);
        assertThat(created.detail()).isEqualTo("State is not queued");

        f.claimAndExecute("A", map("o", "v"));
        final Rejection success = f.rejectedWithoutChange(
            () -> f.engine.executed(f.now, NS, id, Commands.NO_TOKEN, List.of(map("o", "w"))));
        assertThat(success.code()).isEqualTo(RejectCode.WRONG_STATUS);
        assertThat(success.detail()).isEqualTo("State is not queued");
    }

    @ParameterizedTest
    @EnumSource(value = Status.class, names = {"SUCCESS", "PRUNED", "ERRORED", "NEXT_CREATED_ERROR", "RETRY_CREATED"})
    void shouldRefuseReenqueueOfAStateThatIsNoLongerLiveWork(final Status status)
    {
        final long id = stateWithStatus(status);
        assertThat(f.status(id)).isEqualTo(status);

        final Rejection r = f.rejectedWithoutChange(
            () -> f.engine.reenqueueAfter(f.now, NS, id, Commands.NO_TOKEN, 1000));

        assertThat(r.code()).isEqualTo(RejectCode.WRONG_STATUS);
        assertThat(r.code().httpStatus()).isEqualTo(400);
        assertThat(r.detail()).isEqualTo("State is not queued");
    }

    @Test
    void shouldReenqueueCreatedAndQueuedStates()
    {
        f.upsertValid(graph("leaf", node("a", "A", map("x", "1"))));
        f.trigger("leaf");
        final String second = f.trigger("leaf");
        final EngineFixture.Claimed queued = f.claimOne("A");
        final long created = f.engine.runStateIds(second)[0];
        assertThat(f.status(created)).isEqualTo(Status.CREATED);

        assertThat(f.engine.reenqueueAfter(f.now, NS, queued.id(), Commands.NO_TOKEN, 10).ok()).isTrue();
        assertThat(f.engine.reenqueueAfter(f.now, NS, created, Commands.NO_TOKEN, 20).ok()).isTrue();

        assertThat(f.status(queued.id())).isEqualTo(Status.CREATED);
        assertThat(f.state(queued.id()).enqueueAfter()).isEqualTo(f.now + 10);
        assertThat(f.status(created)).isEqualTo(Status.CREATED);
        assertThat(f.state(created).enqueueAfter()).isEqualTo(f.now + 20);
    }

    @Test
    void shouldReportRunPendingWhileAStateIsCreatedOrQueued()
    {
        chain("g", RetryPolicySpec.DEFAULT);
        final String run = f.trigger("g");
        assertThat(f.runSummary(run)).satisfies(s ->
        {
            assertThat(s.status()).isEqualTo("PENDING");
            assertThat(s.pendingCount()).isEqualTo(1);
            assertThat(s.totalCount()).isEqualTo(1);
        });

        f.claimOne("A");

        assertThat(f.runSummary(run).status()).isEqualTo("PENDING");
        assertThat(f.runSummary(run).pendingCount()).isEqualTo(1);
    }

    @Test
    void shouldReportRunSuccessAndCountPrunedAsSuccess()
    {
        chain("g", RetryPolicySpec.DEFAULT);
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));
        assertThat(f.prune(f.claimOne("B"), "{}").ok()).isTrue();

        final Views.RunSummary s = f.runSummary(run);
        assertThat(s.status()).isEqualTo("SUCCESS");
        assertThat(s.graphName()).isEqualTo("g");
        assertThat(s.successCount()).isEqualTo(2);
        assertThat(s.pendingCount()).isZero();
        assertThat(s.erroredCount()).isZero();
        assertThat(s.retriedCount()).isZero();
        assertThat(s.totalCount()).isEqualTo(2);
    }

    @Test
    void shouldReportRunFailedWhenAStateErroredAndNothingIsPending()
    {
        chain("g", NO_RETRY);
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));
        assertThat(f.errored(f.claimOne("B"), "boom").retryCreated()).isFalse();

        final Views.RunSummary s = f.runSummary(run);
        assertThat(s.status()).isEqualTo("FAILED");
        assertThat(s.successCount()).isEqualTo(1);
        assertThat(s.erroredCount()).isEqualTo(1);
        assertThat(s.totalCount()).isEqualTo(2);
    }

    @Test
    void shouldReportRunFailedWhenAStateEndsNextCreatedError()
    {
        chain("g", RetryPolicySpec.DEFAULT);
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("missing", "o"));

        final Views.RunSummary s = f.runSummary(run);
        assertThat(s.status()).isEqualTo("FAILED");
        assertThat(s.erroredCount()).isEqualTo(1);
        assertThat(s.totalCount()).isEqualTo(1);
    }

    @Test
    void shouldReportRunPendingWhenAnErroredStateHasABranchStillRunning()
    {
        f.register("C", "z");
        f.upsertValid(graph("g", NO_RETRY,
            node("a", "A", map("x", "1"), "b", "c"),
            node("b", "B", map("y", "1")),
            node("c", "C", map("z", "1"))));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));

        f.errored(f.claimOne("B"), "boom");

        final Views.RunSummary s = f.runSummary(run);
        assertThat(s.status()).isEqualTo("PENDING");
        assertThat(s.erroredCount()).isEqualTo(1);
        assertThat(s.pendingCount()).isEqualTo(1);
    }

    @Test
    void shouldCountRetryCreatedAsRetriedAndKeepRunPendingUntilTheRetryEnds()
    {
        f.upsertValid(graph("leaf", node("a", "A", map("x", "1"))));
        final String run = f.trigger("leaf");
        assertThat(f.errored(f.claimOne("A"), "boom").retryCreated()).isTrue();

        Views.RunSummary s = f.runSummary(run);
        assertThat(s.status()).isEqualTo("PENDING");
        assertThat(s.retriedCount()).isEqualTo(1);
        assertThat(s.erroredCount()).isZero();
        assertThat(s.pendingCount()).isEqualTo(1);
        assertThat(s.totalCount()).isEqualTo(2);

        f.advance(2000);
        f.claimAndExecute("A", map("o", "v"));

        s = f.runSummary(run);
        assertThat(s.status()).isEqualTo("SUCCESS");
        assertThat(s.successCount()).isEqualTo(1);
        assertThat(s.retriedCount()).isEqualTo(1);
        assertThat(s.totalCount()).isEqualTo(2);
    }

    @Test
    void shouldReportRunWithoutStatesAsFailed()
    {
        // The engine always creates a root state with a run; a run with no states only exists in Exosphere when an
        // insert failed. The rule still holds for the record that computes the listing.
        final RunRec empty = new RunRec("empty", 1, NS, null, 0, Payloads.EMPTY_MAP);

        assertThat(empty.status()).isEqualTo("FAILED");
        assertThat(empty.pending()).isZero();
        assertThat(empty.errored()).isZero();
    }

    @Test
    void shouldListEveryStateOfASingleNodeFanoutOfTenAsSuccess()
    {
        f.upsertValid(graph("ten", node("a", "A", map("x", "1"))));
        final String run = f.trigger("ten");
        final List<Map<String, String>> outs = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            outs.add(map("o", "v" + i));
        }
        final EngineFixture.Claimed a = f.claimOne("A");

        assertThat(f.engine.executed(f.now, NS, a.id(), a.token(), outs).ok()).isTrue();

        assertThat(f.statuses(run, "a")).hasSize(10).containsOnly(Status.SUCCESS);
        final Views.RunSummary s = f.runSummary(run);
        assertThat(s.successCount()).isEqualTo(10);
        assertThat(s.totalCount()).isEqualTo(10);
        assertThat(s.status()).isEqualTo("SUCCESS");
    }

    /** Drives one state into {@code status} and returns its id; every command runs at the fixture's current time. */
    private long stateWithStatus(final Status status)
    {
        chain("once", NO_RETRY);
        chain("retry", RetryPolicySpec.DEFAULT);
        f.trigger(status == Status.RETRY_CREATED ? "retry" : "once");
        final EngineFixture.Claimed a = f.claimOne("A");
        switch (status)
        {
            case SUCCESS -> assertThat(f.executed(a, map("o", "v")).ok()).isTrue();
            case NEXT_CREATED_ERROR -> assertThat(f.executed(a, map("not-o", "v")).ok()).isTrue();
            case PRUNED -> assertThat(f.prune(a, "{}").ok()).isTrue();
            case ERRORED -> assertThat(f.errored(a, "boom").retryCreated()).isFalse();
            case RETRY_CREATED -> assertThat(f.errored(a, "boom").retryCreated()).isTrue();
            default -> throw new IllegalArgumentException(status.name());
        }
        return a.id();
    }
}
