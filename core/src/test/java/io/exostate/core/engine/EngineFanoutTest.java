package io.exostate.core.engine;

import io.exostate.core.model.Status;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static org.assertj.core.api.Assertions.assertThat;

/** Fanout of SPEC §4: zero, one and N outputs, and the all-or-nothing creation of children (§3.2). */
class EngineFanoutTest
{
    private final EngineFixture f = new EngineFixture()
        .register("R", "x", "|", "o")
        .register("A", "x", "|", "o")
        .register("B", "y", "|", "p")
        .register("C", "z");

    /** r → a → [b, c]: b reads a's output o, c reads only a literal. */
    private String run()
    {
        f.upsertValid(graph("g",
            node("r", "R", map("x", "1"), "a"),
            node("a", "A", map("x", "${{ r.outputs.o }}"), "b", "c"),
            node("b", "B", map("y", "${{ a.outputs.o }}")),
            node("c", "C", map("z", "literal"))));
        final String run = f.trigger("g");
        f.claimAndExecute("R", map("o", "root"));
        return run;
    }

    @Test
    void shouldKeepOneStateAndCreateOneChildPerNextNodeForOneOutput()
    {
        final String run = run();

        final EngineFixture.Claimed a = f.claimAndExecute("A", map("o", "v"));

        assertThat(f.states(run, "a")).hasSize(1);
        assertThat(f.state(a.id()).outputsMap()).isEqualTo(map("o", "v"));
        assertThat(f.states(run, "b")).extracting(Views.NodeDetails::inputsMap).containsExactly(map("y", "v"));
        assertThat(f.states(run, "c")).hasSize(1);
    }

    @Test
    void shouldTreatZeroOutputsAsOneEmptyOutput()
    {
        f.upsertValid(graph("g",
            node("r", "R", map("x", "1"), "c"),
            node("c", "C", map("z", "literal"))));
        final String run = f.trigger("g");

        final EngineFixture.Claimed r = f.claimAndExecute("R");

        final Views.NodeDetails state = f.state(r.id());
        assertThat(state.status()).isEqualTo(Status.SUCCESS);
        assertThat(state.outputsMap()).isEmpty();
        assertThat(f.states(run, "r")).hasSize(1);
        assertThat(f.states(run, "c")).extracting(Views.NodeDetails::inputsMap).containsExactly(map("z", "literal"));
    }

    @Test
    void shouldCreateNoChildAtAllWhenZeroOutputsAndAChildReadsAnOutput()
    {
        final String run = run();

        final EngineFixture.Claimed a = f.claimAndExecute("A");

        final Views.NodeDetails state = f.state(a.id());
        assertThat(state.status()).isEqualTo(Status.NEXT_CREATED_ERROR);
        assertThat(state.error()).isEqualTo("Output field 'o' not found on current state 'a' for template 'b'");
        assertThat(state.outputsMap()).isEmpty();
        assertThat(f.states(run, "b")).isEmpty();
        assertThat(f.states(run, "c")).as("all or nothing: not even the child that needs no output").isEmpty();
    }

    @Test
    void shouldInsertNMinusOneExecutedSiblingsThatCopyTheOriginalForNOutputs()
    {
        final String run = run();
        final long root = f.engine.runStateIds(run)[0];

        final EngineFixture.Claimed a = f.claimAndExecute("A", map("o", "1"), map("o", "2"), map("o", "3"));

        final List<Views.NodeDetails> as = f.states(run, "a");
        assertThat(as).hasSize(3);
        assertThat(as.get(0).id()).isEqualTo(Ids.stateId(a.id()));
        assertThat(as).extracting(Views.NodeDetails::outputsMap)
            .containsExactly(map("o", "1"), map("o", "2"), map("o", "3"));
        assertThat(as).extracting(Views.NodeDetails::fanoutId).doesNotHaveDuplicates();
        for (final Views.NodeDetails s : as)
        {
            assertThat(s.status()).isEqualTo(Status.SUCCESS);
            assertThat(s.nodeName()).isEqualTo("A");
            assertThat(s.inputsMap()).isEqualTo(map("x", "root"));
            assertThat(s.parents()).containsExactly(Map.entry("r", Ids.stateId(root)));
            assertThat(s.retryCount()).isZero();
            assertThat(s.doesUnites()).isFalse();
            assertThat(s.error()).isNull();
            assertThat(s.enqueueAfter()).isEqualTo(f.now);
        }
    }

    @Test
    void shouldCreateOneChildPerStateAndNextNodeEachUnderItsOwnSibling()
    {
        final String run = run();

        f.claimAndExecute("A", map("o", "1"), map("o", "2"), map("o", "3"));

        final List<Views.NodeDetails> as = f.states(run, "a");
        final List<Views.NodeDetails> bs = f.states(run, "b");
        final List<Views.NodeDetails> cs = f.states(run, "c");
        assertThat(bs).hasSize(3);
        assertThat(cs).hasSize(3);
        for (int i = 0; i < 3; i++)
        {
            assertThat(bs.get(i).inputsMap()).isEqualTo(map("y", as.get(i).outputsMap().get("o")));
            assertThat(bs.get(i).parents().get("a")).isEqualTo(as.get(i).id());
            assertThat(cs.get(i).parents().get("a")).isEqualTo(as.get(i).id());
            assertThat(bs.get(i).status()).isEqualTo(Status.CREATED);
        }
        assertThat(f.claimAll("B", "C")).extracting(EngineFixture.Claimed::identifier)
            .as("children are created next node by next node, output by output")
            .containsExactly("b", "b", "b", "c", "c", "c");
    }

    @Test
    void shouldFailTheWholeFanoutBatchWhenOneOutputLacksAField()
    {
        final String run = run();

        f.claimAndExecute("A", map("o", "1"), map("other", "2"), map("o", "3"));

        assertThat(f.statuses(run, "a")).hasSize(3).containsOnly(Status.NEXT_CREATED_ERROR);
        assertThat(f.states(run, "a")).extracting(Views.NodeDetails::error)
            .containsOnly("Output field 'o' not found on current state 'a' for template 'b'");
        assertThat(f.states(run, "b")).isEmpty();
        assertThat(f.states(run, "c")).isEmpty();
        assertThat(f.runSummary(run).erroredCount()).isEqualTo(3);
    }

    @Test
    void shouldMarkEveryFanoutStateOfALeafSuccess()
    {
        f.upsertValid(graph("leaf", node("r", "R", map("x", "1"))));
        final String run = f.trigger("leaf");

        f.claimAndExecute("R", map("o", "1"), map("o", "2"));

        assertThat(f.statuses(run, "r")).containsExactly(Status.SUCCESS, Status.SUCCESS);
    }
}
