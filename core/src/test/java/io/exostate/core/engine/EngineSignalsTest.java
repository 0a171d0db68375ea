package io.exostate.core.engine;

import io.exostate.core.model.RetryStrategy;
import io.exostate.core.model.Status;
import io.exostate.core.template.RetryPolicySpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static org.assertj.core.api.Assertions.assertThat;

/** Prune (SPEC §6.1), re-enqueue-after (§6.2, decision 14) and manual retry (§6.3). */
class EngineSignalsTest
{
    private static final RetryPolicySpec NO_RETRY = new RetryPolicySpec(0, RetryStrategy.EXPONENTIAL, 2000, 2, null);

    private final EngineFixture f = new EngineFixture()
        .register("A", "x", "|", "o")
        .register("B", "y", "|", "p");

    private void chain(final RetryPolicySpec retry)
    {
        f.upsertValid(graph("g", retry,
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"))));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Prune
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void shouldPruneAQueuedStateKeepItsDataAndEndTheBranch()
    {
        chain(RetryPolicySpec.DEFAULT);
        final long triggeredAt = f.now;
        final String run = f.trigger("g", Map.of(), Map.of(), 500);
        f.advance(700);
        final EngineFixture.Claimed a = f.claimOne("A");

        final Replies.Prune reply = f.prune(a, "{\"reason\":{\"nested\":[1,2]}}");

        assertThat(reply.ok()).isTrue();
        assertThat(reply.enqueueAfter()).as("the state's own enqueue_after").isEqualTo(triggeredAt + 500);
        final Views.NodeDetails state = f.state(a.id());
        assertThat(state.status()).isEqualTo(Status.PRUNED);
        assertThat(state.data()).isEqualTo("{\"reason\":{\"nested\":[1,2]}}");
        assertThat(f.states(run)).hasSize(1);
        assertThat(f.runSummary(run).status()).isEqualTo("SUCCESS");
    }

    @Test
    void shouldRefusePruneOfAStateThatIsNotQueued()
    {
        chain(RetryPolicySpec.DEFAULT);
        final String run = f.trigger("g");
        final long created = f.engine.runStateIds(run)[0];

        final Rejection r = f.rejectedWithoutChange(() -> f.engine.prune(f.now, NS, created, Commands.NO_TOKEN, "{}"));
        f.claimAndExecute("A", map("o", "v"));
        final Rejection afterSuccess = f.rejectedWithoutChange(
            () -> f.engine.prune(f.now, NS, created, Commands.NO_TOKEN, "{}"));

        assertThat(r.code()).isEqualTo(RejectCode.WRONG_STATUS);
        assertThat(r.code().httpStatus()).isEqualTo(400);
        assertThat(r.detail()).isEqualTo("State is not queued");
        assertThat(afterSuccess.detail()).isEqualTo("State is not queued");
    }

    @Test
    void shouldRefusePruneWithoutData()
    {
        chain(RetryPolicySpec.DEFAULT);
        f.trigger("g");
        final EngineFixture.Claimed a = f.claimOne("A");

        final Rejection r = f.rejectedWithoutChange(() -> f.prune(a, null));

        assertThat(r.code()).isEqualTo(RejectCode.INVALID_REQUEST);
        assertThat(r.code().httpStatus()).isEqualTo(422);
        assertThat(r.detail()).isEqualTo("data: Field required");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Re-enqueue after
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void shouldOfferTheSameStateAgainOnlyAfterTheDelay()
    {
        chain(RetryPolicySpec.DEFAULT);
        f.trigger("g");
        final EngineFixture.Claimed a = f.claimOne("A");

        final Replies.Requeue reply = f.requeue(a, 5000);

        assertThat(reply.ok()).isTrue();
        assertThat(reply.enqueueAfter()).isEqualTo(f.now + 5000);
        assertThat(f.status(a.id())).isEqualTo(Status.CREATED);
        assertThat(f.state(a.id()).enqueueAfter()).isEqualTo(f.now + 5000);
        f.advance(4999);
        assertThat(f.claimAll("A")).isEmpty();
        f.advance(1);
        final EngineFixture.Claimed again = f.claimOne("A");
        assertThat(again.id()).isEqualTo(a.id());
        assertThat(again.token()).isNotEqualTo(a.token());
    }

    @Test
    void shouldKeepRetryCountAndFanoutIdOnReenqueue()
    {
        chain(RetryPolicySpec.DEFAULT);
        final String run = f.trigger("g");
        f.errored(f.claimOne("A"), "boom");
        f.advance(2000);
        final EngineFixture.Claimed retry = f.claimOne("A");
        final Views.NodeDetails before = f.state(retry.id());

        assertThat(f.requeue(retry, 100).ok()).isTrue();

        final Views.NodeDetails after = f.state(retry.id());
        assertThat(after.retryCount()).isEqualTo(1);
        assertThat(after.fanoutId()).isEqualTo(before.fanoutId());
        assertThat(f.states(run)).hasSize(2);
        assertThat(f.runSummary(run).retriedCount()).isEqualTo(1);
    }

    @Test
    void shouldMoveACreatedStateToItsNewTime()
    {
        chain(RetryPolicySpec.DEFAULT);
        final String run = f.trigger("g", Map.of(), Map.of(), 60_000);
        final long root = f.engine.runStateIds(run)[0];

        assertThat(f.engine.reenqueueAfter(f.now, NS, root, Commands.NO_TOKEN, 100).enqueueAfter())
            .isEqualTo(f.now + 100);

        f.advance(100);
        assertThat(f.claimOne("A").id()).isEqualTo(root);
    }

    @Test
    void shouldRefuseADelayThatIsNotPositive()
    {
        chain(RetryPolicySpec.DEFAULT);
        f.trigger("g");
        final EngineFixture.Claimed a = f.claimOne("A");

        for (final long delay : new long[]{0, -1, Long.MIN_VALUE})
        {
            final Rejection r = f.rejectedWithoutChange(() -> f.requeue(a, delay));
            assertThat(r.code()).isEqualTo(RejectCode.INVALID_REQUEST);
            assertThat(r.code().httpStatus()).isEqualTo(422);
            assertThat(r.detail()).isEqualTo("enqueue_after: Input should be greater than 0");
        }
        assertThat(f.status(a.id())).isEqualTo(Status.QUEUED);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Manual retry
    // ---------------------------------------------------------------------------------------------------------

    /** Runs a, then fails b without retry; returns b's claim. */
    private EngineFixture.Claimed erroredB()
    {
        chain(NO_RETRY);
        f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));
        final EngineFixture.Claimed b = f.claimOne("B");
        assertThat(f.errored(b, "boom").retryCreated()).isFalse();
        return b;
    }

    @Test
    void shouldCreateANewStateOnManualRetryAndMarkTheOriginalRetryCreated()
    {
        final EngineFixture.Claimed b = erroredB();
        final Views.NodeDetails original = f.state(b.id());
        f.advance(50);

        final Replies.ManualRetry reply = f.manualRetry(b.id(), "fresh-fanout");

        assertThat(reply.ok()).isTrue();
        final Views.NodeDetails copy = f.state(reply.newStateId());
        assertThat(copy.id()).isNotEqualTo(original.id());
        assertThat(copy.status()).isEqualTo(Status.CREATED);
        assertThat(copy.identifier()).isEqualTo("b");
        assertThat(copy.nodeName()).isEqualTo("B");
        assertThat(copy.runId()).isEqualTo(original.runId());
        assertThat(copy.inputsMap()).isEqualTo(original.inputsMap());
        assertThat(copy.parents()).isEqualTo(original.parents());
        assertThat(copy.outputsMap()).isEmpty();
        assertThat(copy.error()).isNull();
        assertThat(copy.retryCount()).isZero();
        assertThat(copy.fanoutId()).isEqualTo("fresh-fanout");
        assertThat(copy.manualRetryFanoutId()).isEqualTo("fresh-fanout");
        assertThat(copy.enqueueAfter()).isEqualTo(f.now);
        assertThat(copy.doesUnites()).isFalse();
        assertThat(f.status(b.id())).isEqualTo(Status.RETRY_CREATED);
        assertThat(f.state(b.id()).error()).isEqualTo("boom");
        assertThat(f.claimOne("B").id()).isEqualTo(reply.newStateId());
    }

    @Test
    void shouldRestartTheRetryBudgetOnManualRetry()
    {
        chain(new RetryPolicySpec(1, RetryStrategy.EXPONENTIAL, 1000, 2, null));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));
        assertThat(f.errored(f.claimOne("B"), "first").retryCreated()).isTrue();
        f.advance(1000);
        final EngineFixture.Claimed last = f.claimOne("B");
        assertThat(f.errored(last, "second").retryCreated()).isFalse();
        assertThat(f.state(last.id()).retryCount()).isEqualTo(1);

        final long manual = f.manualRetry(last.id(), "m").newStateId();
        assertThat(f.state(manual).retryCount()).isZero();
        final EngineFixture.Claimed m = f.claimOne("B");
        assertThat(m.id()).isEqualTo(manual);

        assertThat(f.errored(m, "third").retryCreated()).isTrue();

        final List<Views.NodeDetails> bs = f.states(run, "b");
        final Views.NodeDetails retry = bs.get(bs.size() - 1);
        assertThat(retry.retryCount()).isEqualTo(1);
        assertThat(retry.fanoutId()).isEqualTo("m");
        assertThat(retry.manualRetryFanoutId()).isEqualTo("m");
        assertThat(retry.enqueueAfter()).as("the delay of a first retry").isEqualTo(f.now + 1000);
    }

    @Test
    void shouldRefuseAReusedFanoutIdAndLeaveTheOriginalUnchanged()
    {
        final EngineFixture.Claimed b = erroredB();
        final long first = f.manualRetry(b.id(), "same").newStateId();
        final EngineFixture.Claimed retried = f.claimOne("B");
        f.errored(retried, "boom again");

        final Rejection r = f.rejectedWithoutChange(() -> f.manualRetry(first, "same"));

        assertThat(r.code()).isEqualTo(RejectCode.DUPLICATE_RETRY);
        assertThat(r.code().httpStatus()).isEqualTo(409);
        assertThat(r.detail()).isEqualTo("Duplicate retry state detected");
        assertThat(f.status(first)).isEqualTo(Status.ERRORED);
        final Rejection viaOriginal = f.rejectedWithoutChange(() -> f.manualRetry(b.id(), "same"));
        assertThat(viaOriginal.detail()).isEqualTo("Duplicate retry state detected");
    }

    @Test
    void shouldRefuseTheOriginalsOwnFanoutIdWhenItsRetryCountIsZero()
    {
        final EngineFixture.Claimed b = erroredB();
        final String own = f.state(b.id()).fanoutId();

        final Rejection r = f.rejectedWithoutChange(() -> f.manualRetry(b.id(), own));

        assertThat(r.code()).isEqualTo(RejectCode.DUPLICATE_RETRY);
        assertThat(r.detail()).isEqualTo("Duplicate retry state detected");
        assertThat(f.status(b.id())).isEqualTo(Status.ERRORED);
    }

    @Test
    void shouldAcceptAFanoutIdThatOnlyAnotherNodeUses()
    {
        final EngineFixture.Claimed b = erroredB();
        final String aFanout = f.states(f.state(b.id()).runId(), "a").get(0).fanoutId();

        final Replies.ManualRetry reply = f.manualRetry(b.id(), aFanout);

        assertThat(reply.ok()).isTrue();
        assertThat(f.state(reply.newStateId()).fanoutId()).isEqualTo(aFanout);
    }

    @Test
    void shouldTakeACreatedOriginalOutOfTheQueueOnManualRetry()
    {
        chain(RetryPolicySpec.DEFAULT);
        final String run = f.trigger("g");
        final long original = f.engine.runStateIds(run)[0];

        final long copy = f.manualRetry(original, "m").newStateId();

        assertThat(f.status(original)).isEqualTo(Status.RETRY_CREATED);
        assertThat(f.claimAll("A")).extracting(EngineFixture.Claimed::id).containsExactly(copy);
    }

    @Test
    void shouldRefuseTheReportOfAQueuedOriginalThatWasManuallyRetried()
    {
        chain(RetryPolicySpec.DEFAULT);
        f.trigger("g");
        final EngineFixture.Claimed a = f.claimOne("A");
        f.manualRetry(a.id(), "m");

        final Rejection r = f.rejectedWithoutChange(() -> f.executed(a, map("o", "late")));

        assertThat(r.code()).isEqualTo(RejectCode.WRONG_STATUS);
        assertThat(r.detail()).isEqualTo("State is not queued");
    }

    @Test
    void shouldRefuseManualRetryWithoutFanoutId()
    {
        final EngineFixture.Claimed b = erroredB();

        final Rejection r = f.rejectedWithoutChange(() -> f.manualRetry(b.id(), null));

        assertThat(r.code()).isEqualTo(RejectCode.INVALID_REQUEST);
        assertThat(r.detail()).isEqualTo("fanout_id: Field required");
    }
}
