package io.exostate.core.engine;

import io.exostate.core.model.Status;
import io.exostate.core.template.StoreConfigSpec;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Input templating of SPEC §3: placeholders, lineage, the child errors of §3.2 and the root rules of §3.3. */
class EngineTemplatingTest
{
    private final EngineFixture f = new EngineFixture()
        .register("A", "x", "|", "o", "p")
        .register("B", "y", "|", "q");

    /** Upserts a → b with b's input y = {@code template}, runs a with {@code outputs} and returns b's inputs. */
    private Map<String, String> childInput(final String template, final Map<String, String> outputs)
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", template))));
        final String run = f.trigger("g");
        f.claimAndExecute("A", outputs);
        final List<Views.NodeDetails> b = f.states(run, "b");
        assertThat(b).as("b states").hasSize(1);
        return b.get(0).inputsMap();
    }

    /** Upserts a → b with b's input y = {@code template}, runs a with {@code outputs}: a must fail; returns a. */
    private Views.NodeDetails failedParent(final String template, final Map<String, String> outputs)
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", template))));
        final String run = f.trigger("g");
        final EngineFixture.Claimed a = f.claimAndExecute("A", outputs);
        assertThat(f.states(run)).as("no child is created").hasSize(1);
        final Views.NodeDetails state = f.state(a.id());
        assertThat(state.status()).isEqualTo(Status.NEXT_CREATED_ERROR);
        return state;
    }

    @Test
    void shouldResolvePlaceholderBetweenPrefixAndSuffix()
    {
        assertThat(childInput("pre-${{ a.outputs.o }}-post", map("o", "V")))
            .isEqualTo(map("y", "pre-V-post"));
    }

    @Test
    void shouldGiveEveryOccurrenceOfARepeatedPlaceholderTheSameValue()
    {
        assertThat(childInput("${{a.outputs.o}}/${{ a.outputs.o }}/${{a.outputs.o}}", map("o", "V")))
            .isEqualTo(map("y", "V/V/V"));
    }

    @Test
    void shouldResolveSeveralPlaceholdersOfOneValueInOrder()
    {
        assertThat(childInput("<${{ a.outputs.p }}|${{ a.outputs.o }}>", map("o", "first", "p", "second")))
            .isEqualTo(map("y", "<second|first>"));
    }

    @Test
    void shouldAllowWhitespaceAroundPlaceholderParts()
    {
        assertThat(childInput("${{   a .outputs.  o }}", map("o", "V"))).isEqualTo(map("y", "V"));
    }

    @Test
    void shouldTakeAValueWithoutPlaceholdersLiterally()
    {
        assertThat(childInput("plain }} text {{ x", map("o", "V"))).isEqualTo(map("y", "plain }} text {{ x"));
    }

    @Test
    void shouldKeepClosingBracesInATail()
    {
        assertThat(childInput("${{ a.outputs.o }}}}", map("o", "V"))).isEqualTo(map("y", "V}}"));
    }

    @Test
    void shouldResolveStoreAndOutputPlaceholdersTogether()
    {
        f.upsertValid(graph("g", new StoreConfigSpec(List.of("k"), Map.of()),
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ store.k }}-${{ a.outputs.o }}"))));
        final String run = f.trigger("g", Map.of(), Map.of("k", "S"), 0);

        f.claimAndExecute("A", map("o", "V"));

        assertThat(f.states(run, "b").get(0).inputsMap()).isEqualTo(map("y", "S-V"));
    }

    @Test
    void shouldMaterialiseOnlyTheFieldsOfTheRegisteredInputSchemaInSchemaOrder()
    {
        f.register("B", "y", "z", "|", "q");
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("z", "lit", "extra", "dropped", "y", "${{ a.outputs.o }}"))));
        final String run = f.trigger("g");

        f.claimAndExecute("A", map("o", "V"));

        assertThat(f.states(run, "b").get(0).inputsMap()).containsExactly(entry("y", "V"), entry("z", "lit"));
    }

    @Test
    void shouldReadAnAncestorsOutputFromItsOwnBranchAfterAFanout()
    {
        f.register("C", "z", "|", "r").register("D", "w");
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"), "c"),
            node("c", "C", map("z", "${{ b.outputs.q }}"), "d"),
            node("d", "D", map("w", "${{ a.outputs.o }}/${{ b.outputs.q }}/${{ c.outputs.r }}"))));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "root"));
        f.claimAndExecute("B", map("q", "1"), map("q", "2"), map("q", "3"));

        for (final EngineFixture.Claimed c : f.claimAll("C"))
        {
            assertThat(f.executed(c, map("r", "r" + c.inputs().get("z"))).ok()).isTrue();
        }

        final List<EngineFixture.Claimed> ds = f.claimAll("D");
        assertThat(ds).extracting(EngineFixture.Claimed::inputs)
            .containsExactly(map("w", "root/1/r1"), map("w", "root/2/r2"), map("w", "root/3/r3"));
        for (final EngineFixture.Claimed d : ds)
        {
            final Map<String, String> parents = f.state(d.id()).parents();
            assertThat(parents.keySet()).containsExactly("a", "b", "c");
            final Views.NodeDetails c = f.state(Ids.parseStateId(parents.get("c")));
            assertThat(parents.get("b")).as("d's b is its own c's b").isEqualTo(c.parents().get("b"));
            final Views.NodeDetails b = f.state(Ids.parseStateId(parents.get("b")));
            assertThat(b.outputsMap().get("q")).isEqualTo(c.inputsMap().get("z"));
        }
        assertThat(f.states(run, "b")).extracting(Views.NodeDetails::id).doesNotHaveDuplicates().hasSize(3);
    }

    @Test
    void shouldFailWhenTheRegistrationGainedAFieldTheTemplateLacks()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"))));
        final String run = f.trigger("g");
        f.register("B", "y", "late", "|", "q");

        final EngineFixture.Claimed a = f.claimAndExecute("A", map("o", "V"));

        assertThat(f.status(a.id())).isEqualTo(Status.NEXT_CREATED_ERROR);
        assertThat(f.state(a.id()).error()).isEqualTo("Field 'late' not found in inputs for template 'b'");
        assertThat(f.states(run)).hasSize(1);
    }

    @Test
    void shouldFailWhenTheCurrentStateLacksTheOutputField()
    {
        assertThat(failedParent("${{ a.outputs.o }}", map("p", "V")).error())
            .isEqualTo("Output field 'o' not found on current state 'a' for template 'b'");
    }

    @Test
    void shouldFailWhenTheReferencedAncestorIsOnAnotherBranch()
    {
        // A diamond: d's placeholder names c, a parent of d on one path only. The d created from b cannot see c.
        f.register("C", "z", "|", "r").register("D", "w");
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b", "c"),
            node("b", "B", map("y", "1"), "d"),
            node("c", "C", map("z", "1"), "d"),
            node("d", "D", map("w", "${{ c.outputs.r }}"))));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "V"));

        final EngineFixture.Claimed b = f.claimAndExecute("B", map("q", "Q"));
        final EngineFixture.Claimed c = f.claimAndExecute("C", map("r", "R"));

        assertThat(f.status(b.id())).isEqualTo(Status.NEXT_CREATED_ERROR);
        assertThat(f.state(b.id()).error()).isEqualTo("Identifier 'c' not found in parents for template 'd'");
        assertThat(f.status(c.id())).isEqualTo(Status.SUCCESS);
        final List<Views.NodeDetails> d = f.states(run, "d");
        assertThat(d).hasSize(1);
        assertThat(d.get(0).inputsMap()).isEqualTo(map("w", "R"));
        assertThat(d.get(0).parents().keySet()).containsExactly("a", "c");
    }

    @Test
    void shouldFailWhenAnAncestorLacksTheOutputField()
    {
        f.register("C", "z");
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"), "c"),
            node("c", "C", map("z", "${{ a.outputs.p }}"))));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "V"));

        final EngineFixture.Claimed b = f.claimAndExecute("B", map("q", "Q"));

        assertThat(f.status(b.id())).isEqualTo(Status.NEXT_CREATED_ERROR);
        assertThat(f.state(b.id()).error()).isEqualTo("Output field 'p' not found on state 'a' for template 'c'");
        assertThat(f.states(run, "c")).isEmpty();
    }

    @Test
    void shouldFailWhenAnOutputUsedInATemplateIsNotAString()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "n=${{ a.outputs.o }}"))));
        final String run = f.trigger("g");
        final EngineFixture.Claimed a = f.claimOne("A");
        final byte[] outputs = EngineFixture.outputList(Payloads.encodeMap(map("o", "42"), Set.of("o")));

        assertThat(f.engine.executed(f.now, NS, a.id(), a.token(), new UnsafeBuffer(outputs), 0, outputs.length).ok())
            .isTrue();

        assertThat(f.status(a.id())).isEqualTo(Status.NEXT_CREATED_ERROR);
        assertThat(f.state(a.id()).error())
            .isEqualTo("Output field 'o' of 'a' is not a string, so it cannot be placed in template 'b'");
        assertThat(f.states(run)).hasSize(1);
    }

    @Test
    void shouldKeepANonStringOutputThatNoTemplateUses()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"))));
        final String run = f.trigger("g");
        final EngineFixture.Claimed a = f.claimOne("A");
        final byte[] outputs =
            EngineFixture.outputList(Payloads.encodeMap(map("o", "V", "p", "{\"n\":1}"), Set.of("p")));

        assertThat(f.engine.executed(f.now, NS, a.id(), a.token(), new UnsafeBuffer(outputs), 0, outputs.length).ok())
            .isTrue();

        assertThat(f.status(a.id())).isEqualTo(Status.SUCCESS);
        assertThat(Payloads.jsonKeys(f.state(a.id()).outputs())).containsExactly("p");
        assertThat(f.states(run, "b").get(0).inputsMap()).isEqualTo(map("y", "V"));
    }

    @Test
    void shouldFailWhenAStoreKeyHasNeitherAValueNorADefault()
    {
        // Graph validation refuses a store key that is neither required nor defaulted, so only a graph the validator
        // lets through reaches this check; it guards the engine all the same.
        final Replies.Upsert upsert = f.upsert(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ store.nowhere }}"))));
        assumeTrue(upsert.ok() && upsert.graph().valid(), "the validator refuses the graph");
        final String run = f.trigger("g");

        final EngineFixture.Claimed a = f.claimAndExecute("A", map("o", "V"));

        assertThat(f.state(a.id()).error())
            .isEqualTo("Store value not found for field 'nowhere' in namespace 'ns' and graph 'g'");
        assertThat(f.states(run)).hasSize(1);
    }

    @Test
    void shouldFailWhenTheChildsNodeIsNotRegistered()
    {
        // As above: validation refuses an unregistered node, so this is the engine's own guard.
        final Replies.Upsert upsert = f.upsert(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "Ghost", map("y", "1"))));
        assumeTrue(upsert.ok() && upsert.graph().valid(), "the validator refuses the graph");
        final String run = f.trigger("g");

        final EngineFixture.Claimed a = f.claimAndExecute("A", map("o", "V"));

        assertThat(f.state(a.id()).error())
            .isEqualTo("Registered node not found for node name: Ghost and namespace: ns");
        assertThat(f.states(run)).hasSize(1);
    }

    @Test
    void shouldResolveChildrenWithTheGraphVersionTheRunWasTriggeredWith()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "old-${{ a.outputs.o }}"))));
        final String oldRun = f.trigger("g");
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "new-${{ a.outputs.o }}"))));
        final String newRun = f.trigger("g");

        f.claimAndExecute("A", map("o", "V"));
        f.claimAndExecute("A", map("o", "W"));

        assertThat(f.states(oldRun, "b").get(0).inputsMap()).isEqualTo(map("y", "old-V"));
        assertThat(f.states(newRun, "b").get(0).inputsMap()).isEqualTo(map("y", "new-W"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // The root node (§3.3)
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void shouldOverrideARootTemplateInputWithTheTriggerInput()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "template"))));

        final String run = f.trigger("g", Map.of("x", "request"), Map.of(), 0);

        assertThat(f.states(run).get(0).inputsMap()).isEqualTo(map("x", "request"));
    }

    @Test
    void shouldIgnoreTriggerInputsThatTheRootTemplateDoesNotHave()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "template"))));

        final String run = f.trigger("g", Map.of("unknown", "1"), Map.of(), 0);

        assertThat(f.states(run).get(0).inputsMap()).isEqualTo(map("x", "template"));
    }

    @Test
    void shouldKeepEveryRootTemplateInputWithoutFilteringBySchema()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1", "extra", "2"))));

        final String run = f.trigger("g", Map.of("extra", "3"), Map.of(), 0);

        assertThat(f.states(run).get(0).inputsMap()).containsExactly(entry("x", "1"), entry("extra", "3"));
    }

    @Test
    void shouldResolveStorePlaceholdersOfTheRootTemplateAndOfTriggerInputs()
    {
        f.upsertValid(graph("g", new StoreConfigSpec(List.of("k"), Map.of("j", "J")),
            node("a", "A", map("x", "${{ store.k }}!", "extra", "e"))));

        final String templated = f.trigger("g", Map.of(), Map.of("k", "K"), 0);
        final String overridden = f.trigger("g", Map.of("extra", "pre-${{ store.j }}-${{ store.k }}"),
            Map.of("k", "K2"), 0);

        assertThat(f.states(templated).get(0).inputsMap()).isEqualTo(map("x", "K!", "extra", "e"));
        assertThat(f.states(overridden).get(0).inputsMap()).isEqualTo(map("x", "K2!", "extra", "pre-J-K2"));
    }

    @Test
    void shouldRefuseATriggerInputThatDependsOnANodeOutput()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));

        final Rejection r = f.rejectedWithoutChange(() -> f.engine.trigger(f.now, NS, "g", "r1",
            Map.of("x", "v-${{ a.outputs.o }}"), Map.of(), 0));

        assertThat(r.code()).isEqualTo(RejectCode.INVALID_INPUT);
        assertThat(r.code().httpStatus()).isEqualTo(400);
        assertThat(r.detail())
            .isEqualTo("Invalid input: 400: Root node can have only store identifier as dependent but got a");
    }

    @Test
    void shouldRefuseARootStorePlaceholderWithoutValueOrDefault()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));

        final Rejection r = f.rejectedWithoutChange(() -> f.engine.trigger(f.now, NS, "g", "r1",
            Map.of("x", "${{ store.nope }}"), Map.of("other", "1"), 0));

        assertThat(r.code()).isEqualTo(RejectCode.INVALID_INPUT);
        assertThat(r.detail()).isEqualTo("Invalid input: 400: Dependent nope not found in store for root node a");
    }

    @Test
    void shouldRefuseARootInputWithAnInvalidPlaceholder()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));

        final Rejection r = f.rejectedWithoutChange(() -> f.engine.trigger(f.now, NS, "g", "r1",
            Map.of("x", "${{a.b}}"), Map.of(), 0));

        assertThat(r.code()).isEqualTo(RejectCode.INVALID_INPUT);
        assertThat(r.detail()).isEqualTo("Invalid input: Invalid syntax string placeholder a.b for: ${{a.b}}");
    }

    @Test
    void shouldRefuseARootInputWithAnUnclosedPlaceholder()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));

        final Rejection r = f.rejectedWithoutChange(() -> f.engine.trigger(f.now, NS, "g", "r1",
            Map.of("x", "x-${{store.k"), Map.of("k", "v"), 0));

        assertThat(r.code()).isEqualTo(RejectCode.INVALID_INPUT);
        assertThat(r.detail())
            .isEqualTo("Invalid input: Invalid syntax string placeholder store.k for: x-${{store.k '${{' not closed");
    }
}
