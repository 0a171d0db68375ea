package io.exostate.core.engine;

import io.exostate.core.model.RetryStrategy;
import io.exostate.core.model.Status;
import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;

import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static io.exostate.core.engine.EngineFixture.unite;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unites (SPEC §5) by counters (decision 4): one unite state per target instance, created inside the command that
 * makes the instance's last descendant terminal, whatever path made it terminal.
 */
class EngineUnitesTest
{
    private static final RetryPolicySpec NO_RETRY = new RetryPolicySpec(0, RetryStrategy.EXPONENTIAL, 2000, 2, null);

    private final EngineFixture f = new EngineFixture()
        .register("R", "x", "|", "o")
        .register("A", "x", "|", "o")
        .register("B", "y", "|", "p")
        .register("C", "z", "|", "q")
        .register("D", "w", "|", "s")
        .register("U", "u");

    private static NodeTemplateSpec u(final String target, final UniteStrategy strategy)
    {
        return unite("u", "U", map("u", "${{ " + target + ".outputs.o }}"), target, strategy);
    }

    @Test
    void shouldCreateOneUniteStateWhenTheLastBranchOfAFanoutBelowTheTargetEnds()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"), "d"),
            node("d", "D", map("w", "${{ b.outputs.p }}"), "u"),
            u("a", UniteStrategy.ALL_SUCCESS)));
        final String run = f.trigger("g");
        final EngineFixture.Claimed a = f.claimAndExecute("A", map("o", "A-out"));
        f.claimAndExecute("B", map("p", "1"), map("p", "2"), map("p", "3"));

        final List<EngineFixture.Claimed> ds = f.claimAll("D");
        assertThat(ds).hasSize(3);
        for (final EngineFixture.Claimed d : ds)
        {
            assertThat(f.states(run, "u")).as("no unite before the last branch ends").isEmpty();
            assertThat(f.executed(d, map("s", "x")).ok()).isTrue();
        }

        final List<Views.NodeDetails> us = f.states(run, "u");
        assertThat(us).hasSize(1);
        final Views.NodeDetails unite = us.get(0);
        assertThat(unite.status()).isEqualTo(Status.CREATED);
        assertThat(unite.doesUnites()).isTrue();
        assertThat(unite.parents()).containsExactly(Map.entry("a", Ids.stateId(a.id())));
        assertThat(unite.inputsMap()).isEqualTo(map("u", "A-out"));
    }

    @Test
    void shouldCreateOneUniteStatePerFannedOutTargetInstance()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"), "u"),
            u("a", UniteStrategy.ALL_SUCCESS)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "1"), map("o", "2"), map("o", "3"));
        final List<EngineFixture.Claimed> bs = f.claimAll("B");

        assertThat(f.executed(bs.get(1), map("p", "x")).ok()).isTrue();
        assertThat(f.states(run, "u")).extracting(Views.NodeDetails::inputsMap).containsExactly(map("u", "2"));
        assertThat(f.executed(bs.get(0), map("p", "x")).ok()).isTrue();
        assertThat(f.executed(bs.get(2), map("p", "x")).ok()).isTrue();

        final List<Views.NodeDetails> as = f.states(run, "a");
        final List<Views.NodeDetails> us = f.states(run, "u");
        assertThat(us).extracting(Views.NodeDetails::inputsMap)
            .containsExactly(map("u", "2"), map("u", "1"), map("u", "3"));
        assertThat(us).extracting(d -> d.parents().get("a"))
            .containsExactly(as.get(1).id(), as.get(0).id(), as.get(2).id());
    }

    @Test
    void shouldCreateOneUniteStateWhenEveryBranchEndsInTheSameCommand()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"), "u"),
            u("a", UniteStrategy.ALL_SUCCESS)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));

        f.claimAndExecute("B", map("p", "1"), map("p", "2"), map("p", "3"), map("p", "4"));

        assertThat(f.statuses(run, "b")).hasSize(4).containsOnly(Status.SUCCESS);
        assertThat(f.statuses(run, "u")).containsExactly(Status.CREATED);
    }

    @Test
    void shouldWaitForDescendantsOnBranchesThatDoNotLeadToTheUniteNode()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b", "c"),
            node("b", "B", map("y", "1"), "u"),
            node("c", "C", map("z", "1"), "d"),
            node("d", "D", map("w", "1")),
            u("a", UniteStrategy.ALL_DONE)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));
        f.claimAndExecute("B", map("p", "x"));
        f.claimAndExecute("C", map("q", "x"));
        assertThat(f.states(run, "u")).as("d, a grandchild of a on another branch, is still pending").isEmpty();

        f.claimAndExecute("D", map("s", "x"));

        assertThat(f.states(run, "u")).hasSize(1);
    }

    @ParameterizedTest
    @CsvSource({
        "ALL_DONE, ERRORED, 1",
        "ALL_DONE, PRUNED, 1",
        "ALL_DONE, NEXT_CREATED_ERROR, 1",
        "ALL_SUCCESS, ERRORED, 0",
        "ALL_SUCCESS, PRUNED, 0",
        "ALL_SUCCESS, NEXT_CREATED_ERROR, 0",
    })
    void shouldDecideTheUniteInTheCommandThatEndsTheLastDescendant(
        final UniteStrategy strategy, final Status lastEnd, final int unites)
    {
        // a → [b, c]; b and c both list u; c also has a child e that reads c's output q.
        f.register("E", "v");
        f.upsertValid(graph("g", NO_RETRY,
            node("a", "A", map("x", "1"), "b", "c"),
            node("b", "B", map("y", "1"), "u"),
            node("c", "C", map("z", "1"), "e", "u"),
            node("e", "E", map("v", "${{ c.outputs.q }}")),
            u("a", strategy)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));
        f.claimAndExecute("B", map("p", "x"));
        assertThat(f.states(run, "u")).isEmpty();
        final EngineFixture.Claimed c = f.claimOne("C");

        switch (lastEnd)
        {
            case ERRORED -> assertThat(f.errored(c, "boom").ok()).isTrue();
            case PRUNED -> assertThat(f.prune(c, "{}").ok()).isTrue();
            case NEXT_CREATED_ERROR -> assertThat(f.executed(c, map("not-q", "x")).ok()).isTrue();
            default -> throw new IllegalArgumentException(lastEnd.name());
        }

        assertThat(f.status(c.id())).isEqualTo(lastEnd);
        assertThat(f.states(run, "u")).hasSize(unites);
    }

    @ParameterizedTest
    @EnumSource(UniteStrategy.class)
    void shouldCreateAnAllDoneUniteWhenNoBranchReachedTheNodeThatListsIt(final UniteStrategy strategy)
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "1"), "c"),
            node("c", "C", map("z", "1"), "u"),
            u("a", strategy)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));

        assertThat(f.prune(f.claimOne("B"), "{}").ok()).isTrue();

        assertThat(f.states(run, "c")).isEmpty();
        assertThat(f.states(run, "u")).hasSize(strategy == UniteStrategy.ALL_DONE ? 1 : 0);
    }

    @Test
    void shouldCreateExactlyOneUniteStateForBranchesThatEachListTheUniteNode()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b", "c"),
            node("b", "B", map("y", "1"), "u"),
            node("c", "C", map("z", "1"), "u"),
            u("a", UniteStrategy.ALL_SUCCESS)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));
        f.claimAndExecute("B", map("p", "x"));
        f.claimAndExecute("C", map("q", "x"));
        assertThat(f.states(run, "u")).hasSize(1);

        // Later events under the same target instance do not create it again.
        final EngineFixture.Claimed unite = f.claimAndExecute("U");
        assertThat(f.status(unite.id())).isEqualTo(Status.SUCCESS);
        final long b = Ids.parseStateId(f.states(run, "b").get(0).id());
        assertThat(f.manualRetry(b, "again").ok()).isTrue();
        f.claimAndExecute("B", map("p", "y"));

        assertThat(f.states(run, "u")).hasSize(1);
        assertThat(f.runSummary(run).status()).isEqualTo("SUCCESS");
    }

    @Test
    void shouldFailWhenTheTargetItselfListsTheUniteNode()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b", "u"),
            node("b", "B", map("y", "1")),
            u("a", UniteStrategy.ALL_SUCCESS)));
        final String run = f.trigger("g");

        final EngineFixture.Claimed a = f.claimAndExecute("A", map("o", "v"));

        final Views.NodeDetails state = f.state(a.id());
        assertThat(state.status()).isEqualTo(Status.NEXT_CREATED_ERROR);
        assertThat(state.error()).isEqualTo("Unit identifier not found in parents: a");
        // ExoState decides before creating anything, so unlike Exosphere no sibling child is left behind.
        assertThat(f.states(run)).hasSize(1);
    }

    @Test
    void shouldGiveTheUniteStateTheTargetsLineageAndResolveItsInputsAgainstTheTarget()
    {
        f.register("U", "u", "r");
        f.upsertValid(graph("g", new StoreConfigSpec(List.of(), Map.of("k", "K")),
            node("r", "R", map("x", "1"), "a"),
            node("a", "A", map("x", "${{ r.outputs.o }}"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"), "u"),
            unite("u", "U", map("u", "${{ a.outputs.o }}", "r", "${{ r.outputs.o }}/${{ store.k }}"), "a",
                UniteStrategy.ALL_SUCCESS)));
        final String run = f.trigger("g", Map.of(), Map.of(), 0);
        final EngineFixture.Claimed r = f.claimAndExecute("R", map("o", "R-out"));
        final EngineFixture.Claimed a = f.claimAndExecute("A", map("o", "A-out"));

        final EngineFixture.Claimed b = f.claimAndExecute("B", map("p", "B-out"));

        final Views.NodeDetails unite = f.states(run, "u").get(0);
        assertThat(unite.parents()).containsExactly(
            Map.entry("r", Ids.stateId(r.id())), Map.entry("a", Ids.stateId(a.id())));
        assertThat(unite.parents()).doesNotContainValue(Ids.stateId(b.id()));
        assertThat(unite.inputsMap()).isEqualTo(map("u", "A-out", "r", "R-out/K"));
    }

    @Test
    void shouldCreateTheUniteStateErroredWhenItsInputsCannotBeResolved()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "1"), "u"),
            u("a", UniteStrategy.ALL_SUCCESS)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("not-o", "v"));

        f.claimAndExecute("B", map("p", "x"));

        final List<Views.NodeDetails> us = f.states(run, "u");
        assertThat(us).hasSize(1);
        assertThat(us.get(0).status()).isEqualTo(Status.ERRORED);
        assertThat(us.get(0).error()).isEqualTo("Output field 'o' not found on current state 'a' for template 'u'");
        assertThat(f.claimAll("U")).isEmpty();
        assertThat(f.runSummary(run).status()).isEqualTo("FAILED");
    }

    @Test
    void shouldCreateEveryUniteNodeOfATargetThatIsSatisfiedInTheSameCommand()
    {
        f.register("V", "v");
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "1"), "u", "v"),
            u("a", UniteStrategy.ALL_SUCCESS),
            unite("v", "V", map("v", "1"), "a", UniteStrategy.ALL_DONE)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));

        f.claimAndExecute("B", map("p", "x"));

        assertThat(f.statuses(run, "u")).containsExactly(Status.CREATED);
        assertThat(f.statuses(run, "v")).containsExactly(Status.CREATED);
    }

    @Test
    void shouldCreateAnAllDoneUniteWhileAnAllSuccessUniteOfTheSameTargetIsBlocked()
    {
        f.register("V", "v");
        f.upsertValid(graph("g", NO_RETRY,
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "1"), "u", "v"),
            u("a", UniteStrategy.ALL_SUCCESS),
            unite("v", "V", map("v", "1"), "a", UniteStrategy.ALL_DONE)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));

        f.errored(f.claimOne("B"), "boom");

        assertThat(f.states(run, "u")).isEmpty();
        assertThat(f.statuses(run, "v")).containsExactly(Status.CREATED);
    }

    @Test
    void shouldNotLetARetriedDescendantBlockAnAllSuccessUnite()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "1"), "u"),
            u("a", UniteStrategy.ALL_SUCCESS)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));
        assertThat(f.errored(f.claimOne("B"), "boom").retryCreated()).isTrue();
        assertThat(f.states(run, "u")).as("the retry is still pending").isEmpty();

        f.advance(2000);
        f.claimAndExecute("B", map("p", "x"));

        assertThat(f.statuses(run, "b")).containsExactly(Status.RETRY_CREATED, Status.SUCCESS);
        assertThat(f.statuses(run, "u")).containsExactly(Status.CREATED);
    }

    @Test
    void shouldUnblockAnAllSuccessUniteWhenAManualRetryOfTheErroredDescendantSucceeds()
    {
        f.upsertValid(graph("g", NO_RETRY,
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "1"), "u"),
            u("a", UniteStrategy.ALL_SUCCESS)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));
        final EngineFixture.Claimed b = f.claimOne("B");
        f.errored(b, "boom");
        assertThat(f.states(run, "u")).isEmpty();

        assertThat(f.manualRetry(b.id(), "fix").ok()).isTrue();
        f.claimAndExecute("B", map("p", "x"));

        assertThat(f.statuses(run, "u")).containsExactly(Status.CREATED);
    }

    @Test
    void shouldKeepUniteCountersAcrossSnapshotAndRestore()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "1"), "d"),
            node("d", "D", map("w", "1"), "u"),
            u("a", UniteStrategy.ALL_SUCCESS)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));
        f.claimAndExecute("B", map("p", "1"), map("p", "2"));
        final List<EngineFixture.Claimed> ds = f.claimAll("D");
        assertThat(f.executed(ds.get(0), map("s", "x")).ok()).isTrue();

        final EngineFixture restored = new EngineFixture(Engine.restore(f.engine.snapshot(), EngineConfig.DEFAULT));
        restored.now = f.now;
        assertThat(restored.engine.snapshot()).isEqualTo(f.engine.snapshot());
        assertThat(restored.executed(ds.get(1), map("s", "x")).ok()).isTrue();

        assertThat(restored.statuses(run, "u")).containsExactly(Status.CREATED);
    }
}
