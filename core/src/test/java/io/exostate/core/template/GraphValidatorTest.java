package io.exostate.core.template;

import io.exostate.core.model.FieldKind;
import io.exostate.core.model.RetryStrategy;
import io.exostate.core.model.UniteStrategy;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GraphValidatorTest
{
    private static final String SECRET = Base64.getUrlEncoder().encodeToString(new byte[40]);
    private static final String MODEL_1 = "Error validating graph template: 1 validation error for GraphTemplate\n";

    // ---------------------------------------------------------------------------------------------------------------
    // §10.1: request-body value rules (422)
    // ---------------------------------------------------------------------------------------------------------------

    @Nested
    class Fields
    {
        @Test
        void shouldAcceptValidBody()
        {
            assertThat(GraphValidator.checkFields(realisticGraph().build())).isEmpty();
        }

        @Test
        void shouldRejectBlankNodeName()
        {
            final GraphSpec spec = graph(node("a").named("  ")).build();

            assertThat(GraphValidator.checkFields(spec)).containsExactly(
                new FieldError(List.of("body", "nodes", 0, "node_name"), "value_error",
                    "Value error, Node name cannot be empty"));
        }

        @Test
        void shouldRejectBlankIdentifier()
        {
            final GraphSpec spec = graph(node("a"), node(" \t")).build();

            assertThat(GraphValidator.checkFields(spec)).containsExactly(
                new FieldError(List.of("body", "nodes", 1, "identifier"), "value_error",
                    "Value error, Node identifier cannot be empty"));
        }

        @Test
        void shouldRejectReservedIdentifierStoreAfterTrimming()
        {
            final GraphSpec spec = graph(node(" store ")).build();

            assertThat(GraphValidator.checkFields(spec)).containsExactly(
                new FieldError(List.of("body", "nodes", 0, "identifier"), "value_error",
                    "Value error, Node identifier cannot be reserved word 'store'"));
        }

        @Test
        void shouldRejectEmptyAndDuplicateNextNodes()
        {
            final GraphSpec spec = graph(node("a").next("b", " ", " b ")).build();

            assertThat(GraphValidator.checkFields(spec)).containsExactly(
                new FieldError(List.of("body", "nodes", 0, "next_nodes"), "value_error",
                    "Value error, Next node identifier cannot be empty\nNext node identifier b is not unique"));
        }

        @Test
        void shouldRejectBlankUnitesIdentifier()
        {
            final GraphSpec spec = graph(node("a"), node("b").unites("  ")).build();

            assertThat(GraphValidator.checkFields(spec)).containsExactly(
                new FieldError(List.of("body", "nodes", 1, "unites"), "value_error",
                    "Value error, Unites identifier cannot be empty"));
        }

        @Test
        void shouldRejectNegativeMaxRetries()
        {
            final GraphSpec spec = graph(node("a")).retry(new RetryPolicySpec(-1, RetryStrategy.FIXED, 1, 1, null))
                .build();

            assertThat(GraphValidator.checkFields(spec)).containsExactly(
                new FieldError(List.of("body", "retry_policy", "max_retries"), "greater_than_equal",
                    "Input should be greater than or equal to 0"));
        }

        @Test
        void shouldAcceptZeroMaxRetriesAndUnsetMaxDelay()
        {
            final GraphSpec spec = graph(node("a")).retry(new RetryPolicySpec(0, RetryStrategy.LINEAR, 1, 1, null))
                .build();

            assertThat(GraphValidator.checkFields(spec)).isEmpty();
        }

        @Test
        void shouldRejectNonPositiveBackoffExponentAndMaxDelayInFieldOrder()
        {
            final GraphSpec spec = graph(node("a"))
                .retry(new RetryPolicySpec(-2, RetryStrategy.EXPONENTIAL, 0, -1, 0L)).build();

            assertThat(GraphValidator.checkFields(spec)).containsExactly(
                new FieldError(List.of("body", "retry_policy", "max_retries"), "greater_than_equal",
                    "Input should be greater than or equal to 0"),
                new FieldError(List.of("body", "retry_policy", "backoff_factor"), "greater_than",
                    "Input should be greater than 0"),
                new FieldError(List.of("body", "retry_policy", "exponent"), "greater_than",
                    "Input should be greater than 0"),
                new FieldError(List.of("body", "retry_policy", "max_delay"), "greater_than",
                    "Input should be greater than 0"));
        }

        @Test
        void shouldCollectAllRequiredKeyErrorsIntoOneError()
        {
            final GraphSpec spec = graph(node("a")).required("", "  ", " a.b ", "k", " k ", "ok").build();

            assertThat(GraphValidator.checkFields(spec)).containsExactly(
                new FieldError(List.of("body", "store_config", "required_keys"), "value_error",
                    "Value error, Key cannot be empty or contain only whitespace\n" +
                    "Key cannot be empty or contain only whitespace\n" +
                    "Key 'a.b' cannot contain '.' character\n" +
                    "Key 'k' is duplicated"));
        }

        @Test
        void shouldCheckDefaultValueKeysAsSeparateField()
        {
            final GraphSpec spec = graph(node("a"))
                .required("x.y")
                .defaults("k", "1")
                .defaults(" k", "2")
                .defaults(" ", "3")
                .build();

            assertThat(GraphValidator.checkFields(spec)).containsExactly(
                new FieldError(List.of("body", "store_config", "required_keys"), "value_error",
                    "Value error, Key 'x.y' cannot contain '.' character"),
                new FieldError(List.of("body", "store_config", "default_values"), "value_error",
                    "Value error, Key 'k' is duplicated\nKey cannot be empty or contain only whitespace"));
        }

        @Test
        void shouldRejectTriggerTypeOtherThanCron()
        {
            final GraphSpec spec = graph(node("a")).trigger(new TriggerSpec("WEBHOOK", "0 * * * *")).build();

            assertThat(GraphValidator.checkFields(spec)).containsExactly(
                new FieldError(List.of("body", "triggers", 0, "type"), "enum", "Input should be 'CRON'"));
        }

        @Test
        void shouldRejectInvalidCronExpression()
        {
            final GraphSpec spec = graph(node("a"))
                .trigger(TriggerSpec.cron("0 * * * *"))
                .trigger(TriggerSpec.cron("every minute"))
                .build();

            assertThat(GraphValidator.checkFields(spec)).containsExactly(
                new FieldError(List.of("body", "triggers", 1, "value", "expression"), "value_error",
                    "Value error, Invalid cron expression"));
        }

        @Test
        void shouldAcceptFiveAndSixFieldCronAndAliases()
        {
            final GraphSpec spec = graph(node("a"))
                .trigger(TriggerSpec.cron("*/5 * * * *"))
                .trigger(TriggerSpec.cron("0 0 12 * * 30"))
                .trigger(TriggerSpec.cron("@hourly"))
                .build();

            assertThat(GraphValidator.checkFields(spec)).isEmpty();
        }

        @Test
        void shouldOrderErrorsByBodyFieldThenNodeIndexThenNodeField()
        {
            final GraphSpec spec = graph(
                node("store").named("").next("x", "x").unites(""),
                node("").named(" ").next(""))
                .retry(new RetryPolicySpec(3, RetryStrategy.FIXED, 0, 2, null))
                .required("a.b")
                .trigger(new TriggerSpec("NOPE", "nope"))
                .build();

            assertThat(GraphValidator.checkFields(spec)).extracting(FieldError::loc).containsExactly(
                List.of("body", "nodes", 0, "node_name"),
                List.of("body", "nodes", 0, "identifier"),
                List.of("body", "nodes", 0, "next_nodes"),
                List.of("body", "nodes", 0, "unites"),
                List.of("body", "nodes", 1, "node_name"),
                List.of("body", "nodes", 1, "identifier"),
                List.of("body", "nodes", 1, "next_nodes"),
                List.of("body", "retry_policy", "backoff_factor"),
                List.of("body", "store_config", "required_keys"),
                List.of("body", "triggers", 0, "type"),
                List.of("body", "triggers", 0, "value", "expression"));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Normalisation
    // ---------------------------------------------------------------------------------------------------------------

    @Nested
    class Normalize
    {
        @Test
        void shouldTrimWhatPydanticTrims()
        {
            final GraphSpec spec = new GraphBuilder(" ns ", " g ")
                .node(node(" a ").named(" A ").in(" nsA ").input(" k ", " v ").next(" b "))
                .node(node(" b ").unites(" a ", UniteStrategy.ALL_DONE))
                .secret(" s ", SECRET)
                .required(" r ")
                .defaults(" d ", " value ")
                .trigger(TriggerSpec.cron(" 0 * * * * "))
                .build();

            final GraphSpec normalized = GraphValidator.normalize(spec);

            assertThat(normalized.namespace()).isEqualTo("ns");
            assertThat(normalized.name()).isEqualTo("g");
            assertThat(normalized.nodes()).containsExactly(
                new NodeTemplateSpec("A", " nsA ", "a", List.of(TemplateInput.of(" k ", " v ")), List.of("b"), null),
                new NodeTemplateSpec("N_ b", "ns", "b", List.of(), null,
                    new UnitesSpec("a", UniteStrategy.ALL_DONE)));
            assertThat(normalized.secrets()).containsExactly(Map.entry(" s ", SECRET));
            assertThat(normalized.storeConfig().requiredKeys()).containsExactly("r");
            assertThat(normalized.storeConfig().defaultValues()).containsExactly(Map.entry("d", " value "));
            assertThat(normalized.triggers()).containsExactly(TriggerSpec.cron(" 0 * * * * "));
            assertThat(normalized.retryPolicy()).isEqualTo(spec.retryPolicy());
        }

        @Test
        void shouldKeepOmittedNextNodesNullAndEmptyListEmpty()
        {
            final GraphSpec normalized = GraphValidator.normalize(graph(node("a"), node("b").next()).build());

            assertThat(normalized.nodes().get(0).nextNodes()).isNull();
            assertThat(normalized.nodes().get(1).nextNodes()).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // §10.2: graph model checks (400)
    // ---------------------------------------------------------------------------------------------------------------

    @Nested
    class Model
    {
        @Test
        void shouldAcceptValidGraph()
        {
            assertThat(checkModel(realisticGraph())).isNull();
        }

        @Test
        void shouldRejectEmptyNameAndNamespaceAsTwoFieldErrors()
        {
            final GraphBuilder graph = new GraphBuilder(" ", "").node(node("a"));

            assertThat(checkModel(graph)).isEqualTo(
                "Error validating graph template: 2 validation errors for GraphTemplate\n" +
                "name\n" +
                "  Value error, Name cannot be empty\n" +
                "namespace\n" +
                "  Value error, Namespace cannot be empty");
        }

        @Test
        void shouldRejectEmptySecretName()
        {
            assertThat(checkModel(graph(node("a")).secret("ok", SECRET).secret("", SECRET))).isEqualTo(
                MODEL_1 + "secrets\n  Value error, Secrets cannot be empty");
        }

        @Test
        void shouldRejectEmptySecretValue()
        {
            assertThat(checkModel(graph(node("a")).secret("s", ""))).isEqualTo(
                MODEL_1 + "secrets\n  Value error, Secrets cannot be empty");
        }

        @Test
        void shouldRejectSecretValueTooShortForCiphertext()
        {
            assertThat(checkModel(graph(node("a")).secret("s", "c2hvcnQ="))).isEqualTo(
                MODEL_1 + "secrets\n  Value error, Value appears to be too short for an encrypted string");
        }

        @Test
        void shouldRejectSecretValueThatIsNotBase64()
        {
            final String dangling = "A".repeat(33);

            assertThat(checkModel(graph(node("a")).secret("s", dangling))).isEqualTo(
                MODEL_1 + "secrets\n  Value error, Value is not valid URL-safe base64 encoded");
        }

        @Test
        void shouldRejectEachDuplicateIdentifierOnItsOwnLine()
        {
            final GraphBuilder graph = graph(node("a").next("b"), node("b"), node("a"), node("a"));

            assertThat(checkModel(graph)).isEqualTo(
                MODEL_1 + "nodes\n  Value error, Node identifier a is not unique\nNode identifier a is not unique");
        }

        @Test
        void shouldHideNextNodesCheckWhenIdentifiersAreNotUnique()
        {
            final GraphBuilder graph = graph(node("a").next("missing"), node("a"));

            assertThat(checkModel(graph)).isEqualTo(
                MODEL_1 + "nodes\n  Value error, Node identifier a is not unique");
        }

        @Test
        void shouldRejectEveryMissingNextNode()
        {
            final GraphBuilder graph = graph(node("a").next("x", "b"), node("b").next("y"), node("c").next("x"));

            assertThat(checkModel(graph)).isEqualTo(
                MODEL_1 + "nodes\n  Value error, Node identifier x does not exist in the graph\n" +
                "Node identifier y does not exist in the graph\n" +
                "Node identifier x does not exist in the graph");
        }

        @Test
        void shouldCollectFieldErrorsInModelFieldOrder()
        {
            final GraphBuilder graph = new GraphBuilder("ns", " ")
                .node(node("a"))
                .node(node("a"))
                .secret("", SECRET);

            assertThat(checkModel(graph)).isEqualTo(
                "Error validating graph template: 3 validation errors for GraphTemplate\n" +
                "name\n" +
                "  Value error, Name cannot be empty\n" +
                "nodes\n" +
                "  Value error, Node identifier a is not unique\n" +
                "secrets\n" +
                "  Value error, Secrets cannot be empty");
        }

        @Test
        void shouldNotRunGraphChecksWhenFieldChecksFail()
        {
            // Two roots and a bad unites target, but only the field error is reported.
            final GraphBuilder graph = graph(node("a"), node("b").unites("zz")).secret("", SECRET);

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 + "secrets\n  Value error, Secrets cannot be empty");
        }

        @Test
        void shouldRejectMissingAndSelfUnitesTargetsTogether()
        {
            final GraphBuilder graph = graph(node("a").next("b", "c"), node("b").unites("zz"), node("c").unites("c"));

            assertThat(checkModel(graph)).isEqualTo(
                MODEL_1 + "  Value error, Node b has an unites target zz that does not exist\n" +
                "Node c has an unites target c that is the same as the node itself");
        }

        @Test
        void shouldStopAtUnitesCheckBeforeLaterChecks()
        {
            // Also cyclic and with a bad input, neither reported.
            final GraphBuilder graph = graph(
                node("a").next("b"), node("b").next("b").input("x", "${{q.outputs.f}}"), node("c").unites("zz"));

            assertThat(checkModel(graph)).isEqualTo(
                MODEL_1 + "  Value error, Node c has an unites target zz that does not exist");
        }

        @Test
        void shouldRejectEmptyNodeListAsZeroRoots()
        {
            assertThat(checkModel(graph())).isEqualTo(MODEL_1 +
                "  Value error, There should be exactly one root node in the graph but found 0 nodes with zero " +
                "in-degree: []");
        }

        @Test
        void shouldRejectCycleThroughEveryNodeAsZeroRoots()
        {
            final GraphBuilder graph = graph(node("a").next("b"), node("b").next("a"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, There should be exactly one root node in the graph but found 0 nodes with zero " +
                "in-degree: []");
        }

        @Test
        void shouldListEveryRootAsPythonReprOfTheNodeModels()
        {
            final GraphBuilder graph = graph(
                node("a").named("A").input("x", "it's").next("b"),
                node("b"),
                node("c").named("C").nonString("n", "5").input("q", "say \"hi\"\n"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, There should be exactly one root node in the graph but found 2 nodes with zero " +
                "in-degree: [NodeTemplate(node_name='A', namespace='ns', identifier='a', inputs={'x': \"it's\"}, " +
                "next_nodes=['b'], unites=None), NodeTemplate(node_name='C', namespace='ns', identifier='c', " +
                "inputs={'n': 5, 'q': 'say \"hi\"\\n'}, next_nodes=None, unites=None)]");
        }

        @Test
        void shouldCountUnitesAsIncomingEdgeWhenFindingRoot()
        {
            // "c" is in nobody's next_nodes: only its unites link keeps it from being a second root. It passes the
            // root check and fails the next one, because the walk never reaches it.
            final GraphBuilder graph = graph(node("a").next("b"), node("b"), node("c").unites("a"));
            final GraphBuilder withoutUnites = graph(node("a").next("b"), node("b"), node("c"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Node c is not connected to the root node");
            assertThat(checkModel(withoutUnites)).startsWith(MODEL_1 +
                "  Value error, There should be exactly one root node in the graph but found 2 nodes");
        }

        @Test
        void shouldNotTakeUniteNodeWithoutIncomingEdgeAsRootEvenIfNothingElseIs()
        {
            // The only node with no next_nodes edge is the unite node itself: zero roots.
            final GraphBuilder graph = graph(node("a").next("b"), node("b").next("a"), node("u").unites("a"));

            assertThat(checkModel(graph)).endsWith("found 0 nodes with zero in-degree: []");
        }

        @Test
        void shouldRejectNodesUnreachableFromRoot()
        {
            final GraphBuilder graph = graph(node("r"), node("b").next("c"), node("c").next("b"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Node b is not connected to the root node\nNode c is not connected to the root node");
        }

        @Test
        void shouldReportDisconnectedUnitesTargetsAsPythonDict()
        {
            // Exosphere's own example: node3 and node4 unite each other, neither is ever walked to completion.
            final GraphBuilder graph = graph(
                node("node1").next("node3", "node2"),
                node("node2"),
                node("node3").unites("node4"),
                node("node4").unites("node3"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Error building dependency graph: Graph is disconnected at: {'node4': ['node3']}");
        }

        @Test
        void shouldRenderEveryParkedUniteInWalkOrder()
        {
            // "t" is only reachable through the parked "u1", so it is never walked; "u1" and "u2" wait for it.
            // "w" unites "u1", which counts as visited once parked, so "w" and "v" are walked normally.
            final GraphBuilder graph = graph(
                node("r").next("u1", "w", "u2"),
                node("u1").unites("t").next("t"),
                node("t"),
                node("u2").unites("t"),
                node("w").unites("u1").next("v"),
                node("v").unites("w"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Error building dependency graph: Graph is disconnected at: {'t': ['u1', 'u2']}");
        }

        @Test
        void shouldNotWalkChildrenOfUniteReachedBeforeItsTarget()
        {
            // BUG kept: "u" is reached before "t", so it is parked and its child "c" is never walked.
            final GraphBuilder uniteFirst = graph(
                node("r").next("u", "t"), node("t"), node("u").unites("t").next("c"), node("c"));
            final GraphBuilder targetFirst = graph(
                node("r").next("t", "u"), node("t"), node("u").unites("t").next("c"), node("c"));

            assertThat(checkModel(uniteFirst)).isEqualTo(MODEL_1 +
                "  Value error, Node c is not connected to the root node");
            assertThat(checkModel(targetFirst)).isNull();
        }

        @Test
        void shouldGiveParkedUniteTheParentsOfItsTargetOnceTargetIsVisited()
        {
            // "u" is parked, then gets parents(t) + t = {r, s, t} when "t" is walked.
            final GraphBuilder graph = graph(
                node("r").next("u", "s"),
                node("s").next("t"),
                node("t"),
                node("u").unites("t").input("a", "${{t.outputs.x}}${{r.outputs.y}}${{s.outputs.z}}"));

            assertThat(checkModel(graph)).isNull();
        }

        @Test
        void shouldKeepPathParentsOfParkedUniteButDiscardThemWhenTargetWasVisited()
        {
            // Parked: parents(u) = {r, a} from its path, plus parents(t) + t. Not parked: only parents(t) + t.
            final GraphBuilder parked = graph(
                node("r").next("a", "s"),
                node("a").next("u"),
                node("s").next("t"),
                node("t"),
                node("u").unites("t").input("x", "${{a.outputs.f}}"));
            final GraphBuilder targetFirst = graph(
                node("r").next("s", "a"),
                node("a").next("u"),
                node("s").next("t"),
                node("t"),
                node("u").unites("t").input("x", "${{a.outputs.f}}"));

            assertThat(checkModel(parked)).isNull();
            assertThat(checkModel(targetFirst)).isEqualTo(MODEL_1 +
                "  Value error, Input ${{a.outputs.f}} depends on a but a is not a parent of u");
        }

        @Test
        void shouldReplacePathParentsOfUniteWhoseTargetWasVisited()
        {
            // Exosphere's example: node3 unites node1, so it cannot read node2 although node2 precedes it.
            final GraphBuilder graph = graph(
                node("node1").next("node2"),
                node("node2").next("node3"),
                node("node3").unites("node1").input("input1", "${{node2.outputs.output1}}"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Input ${{node2.outputs.output1}} depends on node2 but node2 is not a parent of node3");
        }

        @Test
        void shouldRejectNodeOnItsOwnPath()
        {
            final GraphBuilder graph = graph(
                node("node1").next("node2"), node("node2").next("node3"), node("node3").next("node2"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 + "  Value error, Node node2 is not acyclic");
        }

        @Test
        void shouldRejectCycleThroughUniteNode()
        {
            final GraphBuilder graph = graph(
                node("node1").next("node2"),
                node("node2").next("node3"),
                node("node3").next("node2").unites("node1"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 + "  Value error, Node node2 is not acyclic");
        }

        @Test
        void shouldStopAtConnectivityBeforeAcyclicityAndInputs()
        {
            final GraphBuilder graph = graph(
                node("r").input("x", "${{nope.outputs.f}}"), node("b").next("c"), node("c").next("b"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Node b is not connected to the root node\nNode c is not connected to the root node");
        }

        @Test
        void shouldRejectNonStringInput()
        {
            final GraphBuilder graph = graph(node("a").nonString("n", "{'k': 1}"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 + "  Value error, Input {'k': 1} is not a string");
        }

        @Test
        void shouldRejectInputWithSyntaxError()
        {
            final GraphBuilder graph = graph(node("a").input("x", "${{a.b}}"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Error creating dependent string for input ${{a.b}} check syntax string: " +
                "Invalid syntax string placeholder a.b for: ${{a.b}}");
        }

        @Test
        void shouldRejectUnclosedPlaceholderInInput()
        {
            final GraphBuilder graph = graph(node("a").input("x", "v ${{ store.k"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Error creating dependent string for input v ${{ store.k check syntax string: " +
                "Invalid syntax string placeholder  store.k for: v ${{ store.k '${{' not closed");
        }

        @Test
        void shouldRejectDependencyOnNodeThatIsNotParent()
        {
            final GraphBuilder graph = graph(
                node("node1").next("node2"),
                node("node2").input("input1", "${{node1.outputs.output1}}").input("input2", "${{node2.outputs.o}}"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Input ${{node2.outputs.o}} depends on node2 but node2 is not a parent of node2");
        }

        @Test
        void shouldRejectRootDependingOnNodeOutputs()
        {
            final GraphBuilder graph = graph(node("r").next("b").input("x", "${{b.outputs.f}}"), node("b"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Input ${{b.outputs.f}} depends on b but b is not a parent of r");
        }

        @Test
        void shouldRejectEmptyIdentifierPlaceholderAsNotParent()
        {
            final GraphBuilder graph = graph(node("r").next("b"), node("b").input("x", "${{ .outputs.f }}"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Input ${{ .outputs.f }} depends on  but  is not a parent of b");
        }

        @Test
        void shouldRejectStoreKeyNeitherRequiredNorDefaulted()
        {
            final GraphBuilder graph = graph(node("r").input("x", "${{ store.a }}-${{ store.b }}-${{ store.c }}"))
                .required("a")
                .defaults("b", "1");

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Input ${{ store.a }}-${{ store.b }}-${{ store.c }} depends on c but c is not a " +
                "required key or a default value");
        }

        @Test
        void shouldTreatStoreOutputsPlaceholderAsStoreKey()
        {
            final GraphBuilder graph = graph(node("r").input("x", "${{ store.outputs.k }}"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Input ${{ store.outputs.k }} depends on k but k is not a required key or a " +
                "default value");
            assertThat(checkModel(graph.required("k"))).isNull();
        }

        @Test
        void shouldReportEachIdentifierOncePerValueButOncePerInput()
        {
            final GraphBuilder graph = graph(
                node("r").next("b"),
                node("b")
                    .input("one", "${{x.outputs.f}}${{x.outputs.g}}${{store.k}}${{store.k}}")
                    .input("two", "${{x.outputs.f}}"));

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Input ${{x.outputs.f}}${{x.outputs.g}}${{store.k}}${{store.k}} depends on x but x " +
                "is not a parent of b\n" +
                "Input ${{x.outputs.f}}${{x.outputs.g}}${{store.k}}${{store.k}} depends on k but k is not a " +
                "required key or a default value\n" +
                "Input ${{x.outputs.f}} depends on x but x is not a parent of b");
        }

        @Test
        void shouldCollectInputErrorsOfAllNodesInTemplateOrder()
        {
            final GraphBuilder graph = graph(
                node("r").next("b").nonString("n", "True").input("ok", "${{ store.k }}"),
                node("b").input("bad", "${{b}}").input("fine", "literal ${{r.outputs.x}}"))
                .defaults("k", "v");

            assertThat(checkModel(graph)).isEqualTo(MODEL_1 +
                "  Value error, Input True is not a string\n" +
                "Error creating dependent string for input ${{b}} check syntax string: " +
                "Invalid syntax string placeholder b for: ${{b}}");
        }

        @Test
        void shouldLetGrandchildReadEveryAncestorOnAnyPath()
        {
            final GraphBuilder graph = graph(
                node("r").next("a", "b"),
                node("a").next("c"),
                node("b").next("c"),
                node("c").input("x", "${{a.outputs.f}} ${{b.outputs.f}} ${{r.outputs.f}}"));

            assertThat(checkModel(graph)).isNull();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // §10.3: against the registered nodes
    // ---------------------------------------------------------------------------------------------------------------

    @Nested
    class Registry
    {
        @Test
        void shouldAcceptGraphWhoseNodesAreRegisteredAndTyped()
        {
            assertThat(GraphValidator.checkAgainstRegistry(normalized(realisticGraph()), realisticRegistry()))
                .isEmpty();
        }

        @Test
        void shouldReportMissingNodeOnceWithPeriodThenOncePerTemplateNodeWithout()
        {
            final GraphBuilder graph = graph(
                node("a").named("Ghost").next("b"), node("b").named("Ghost"), node("c").named("Other").in("x"));
            final Registered registry = new Registered();

            assertThat(GraphValidator.checkAgainstRegistry(normalized(graph), registry)).containsExactly(
                "Node Ghost in namespace ns does not exist.",
                "Node Other in namespace x does not exist.",
                "Node Ghost in namespace ns does not exist",
                "Node Ghost in namespace ns does not exist",
                "Node Other in namespace x does not exist");
        }

        @Test
        void shouldReportEachMissingSecretOnceInNodeOrder()
        {
            final GraphBuilder graph = graph(node("a").named("A").next("b"), node("b").named("B")).secret("s2", SECRET);
            final Registered registry = new Registered()
                .node("A", List.of(), List.of(), "s1", "s2", "s3")
                .node("B", List.of(), List.of(), "s3", "s0");

            assertThat(GraphValidator.checkAgainstRegistry(normalized(graph), registry)).containsExactly(
                "Secret s1 is required but not present in the graph template",
                "Secret s3 is required but not present in the graph template",
                "Secret s0 is required but not present in the graph template");
        }

        @Test
        void shouldRejectNonStringAndMissingInputsInSchemaOrder()
        {
            final GraphBuilder graph = graph(node("a").named("A").input("present", "v").input("extra", "ignored"));
            final Registered registry = new Registered().node("A",
                List.of(text("missing"), number("count"), text("present"), number("absentNumber")), List.of());

            assertThat(GraphValidator.checkAgainstRegistry(normalized(graph), registry)).containsExactly(
                "Input missing in node A in namespace ns is not present in the graph template",
                "Input count in node A in namespace ns is not a string",
                "Input absentNumber in node A in namespace ns is not a string");
        }

        @Test
        void shouldRejectPlaceholderOnNodeMissingFromTemplate()
        {
            // Only reachable when phase 2 is skipped; Exosphere still has the message.
            final GraphBuilder graph = graph(node("a").named("A").input("x", "${{ghost.outputs.f}}"));
            final Registered registry = new Registered().node("A", List.of(text("x")), List.of());

            assertThat(GraphValidator.checkAgainstRegistry(normalized(graph), registry)).containsExactly(
                "Node ghost does not exist in the graph template");
        }

        @Test
        void shouldRejectPlaceholderOnUnregisteredNode()
        {
            final GraphBuilder graph = graph(
                node("a").named("Ghost").next("b"), node("b").named("B").input("x", "${{a.outputs.f}}"));
            final Registered registry = new Registered().node("B", List.of(text("x")), List.of());

            assertThat(GraphValidator.checkAgainstRegistry(normalized(graph), registry)).containsExactly(
                "Node Ghost in namespace ns does not exist.",
                "Node Ghost in namespace ns does not exist",
                "Node Ghost in namespace ns does not exist");
        }

        @Test
        void shouldRejectMissingAndNonStringOutputFields()
        {
            final GraphBuilder graph = graph(
                node("a").named("A").next("b"),
                node("b").named("B").input("x", "${{a.outputs.nope}} ${{a.outputs.n}} ${{a.outputs.s}}"));
            final Registered registry = new Registered()
                .node("A", List.of(), List.of(text("s"), number("n")))
                .node("B", List.of(text("x")), List.of());

            assertThat(GraphValidator.checkAgainstRegistry(normalized(graph), registry)).containsExactly(
                "Field nope in node A in namespace ns does not exist",
                "Field n in node A in namespace ns is not a string");
        }

        @Test
        void shouldCheckEachPairOncePerValueAndAgainPerInput()
        {
            final GraphBuilder graph = graph(
                node("a").named("A").next("b"),
                node("b").named("B")
                    .input("x", "${{a.outputs.nope}}${{a.outputs.nope}}")
                    .input("y", "${{ a.outputs.nope }}"));
            final Registered registry = new Registered()
                .node("A", List.of(), List.of())
                .node("B", List.of(text("x"), text("y")), List.of());

            assertThat(GraphValidator.checkAgainstRegistry(normalized(graph), registry)).containsExactly(
                "Field nope in node A in namespace ns does not exist",
                "Field nope in node A in namespace ns does not exist");
        }

        @Test
        void shouldSkipStorePlaceholders()
        {
            final GraphBuilder graph = graph(node("a").named("A").input("x", "${{ store.k }}")).required("k");
            final Registered registry = new Registered().node("A", List.of(text("x")), List.of());

            assertThat(GraphValidator.checkAgainstRegistry(normalized(graph), registry)).isEmpty();
        }

        @Test
        void shouldOrderExistenceThenSecretsThenInputs()
        {
            final GraphBuilder graph = graph(
                node("a").named("A").next("b", "c"),
                node("b").named("Ghost"),
                node("c").named("C").input("x", "${{a.outputs.f}}"));
            final Registered registry = new Registered()
                .node("A", List.of(), List.of(), "key")
                .node("C", List.of(text("x"), text("y")), List.of());

            assertThat(GraphValidator.checkAgainstRegistry(normalized(graph), registry)).containsExactly(
                "Node Ghost in namespace ns does not exist.",
                "Secret key is required but not present in the graph template",
                "Node Ghost in namespace ns does not exist",
                "Input y in node C in namespace ns is not present in the graph template",
                "Field f in node A in namespace ns does not exist");
        }

        @Test
        void shouldFailWholeValidationOnUntypedInputSchemaField()
        {
            final GraphBuilder graph = graph(node("a").named("A").next("b"), node("b").named("Ghost"));
            final Registered registry = new Registered()
                .node("A", List.of(text("ok"), new SchemaField("mystery", FieldKind.UNTYPED)), List.of(), "s");

            assertThat(GraphValidator.checkAgainstRegistry(normalized(graph), registry)).containsExactly(
                "Validation failed due to unexpected error: Schema must specify a type");
        }

        @Test
        void shouldFailWholeValidationOnUntypedOutputSchemaFieldThatIsRead()
        {
            final GraphBuilder graph = graph(
                node("a").named("A").next("b"), node("b").named("B").input("x", "${{a.outputs.s}}"));
            final Registered registry = new Registered()
                .node("A", List.of(), List.of(text("s"), new SchemaField("m", FieldKind.UNTYPED)))
                .node("B", List.of(text("x")), List.of());

            assertThat(GraphValidator.checkAgainstRegistry(normalized(graph), registry)).containsExactly(
                "Validation failed due to unexpected error: Schema must specify a type");
        }

        @Test
        void shouldIgnoreUntypedOutputSchemaFieldNobodyReads()
        {
            final GraphBuilder graph = graph(node("a").named("A"));
            final Registered registry = new Registered()
                .node("A", List.of(), List.of(new SchemaField("m", FieldKind.UNTYPED)));

            assertThat(GraphValidator.checkAgainstRegistry(normalized(graph), registry)).isEmpty();
        }

        @Test
        void shouldLookUpEachDistinctNodeOnce()
        {
            final GraphBuilder graph = graph(
                node("a").named("A").next("b", "c"),
                node("b").named("B").input("x", "${{a.outputs.s}}"),
                node("c").named("B").input("x", "${{a.outputs.s}}"));
            final Registered registry = new Registered()
                .node("A", List.of(), List.of(text("s")))
                .node("B", List.of(text("x")), List.of());

            assertThat(GraphValidator.checkAgainstRegistry(normalized(graph), registry)).isEmpty();
            assertThat(registry.lookups).containsExactly("ns/A", "ns/B");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // All phases
    // ---------------------------------------------------------------------------------------------------------------

    @Nested
    class Validate
    {
        @Test
        void shouldPassRealisticGraphWithFanoutAndUniteThroughAllPhases()
        {
            final GraphValidator.Result result = GraphValidator.validate(realisticGraph().build(), realisticRegistry());

            assertThat(result.fieldErrors()).isEmpty();
            assertThat(result.modelError()).isNull();
            assertThat(result.validationErrors()).isEmpty();
            assertThat(result.isValid()).isTrue();
            assertThat(result.normalized().name()).isEqualTo("g");
        }

        @Test
        void shouldStopAtFieldErrors()
        {
            final GraphValidator.Result result = GraphValidator.validate(
                graph(node("store"), node("store")).build(), realisticRegistry());

            assertThat(result.fieldErrors()).hasSize(2);
            assertThat(result.modelError()).isNull();
            assertThat(result.normalized()).isNull();
            assertThat(result.validationErrors()).isEmpty();
            assertThat(result.isValid()).isFalse();
        }

        @Test
        void shouldStopAtModelErrorAfterTrimming()
        {
            // " a " and "a" are the same identifier once trimmed.
            final GraphValidator.Result result = GraphValidator.validate(
                graph(node(" a "), node("a")).build(), new Registered());

            assertThat(result.fieldErrors()).isEmpty();
            assertThat(result.modelError())
                .isEqualTo(MODEL_1 + "nodes\n  Value error, Node identifier a is not unique");
            assertThat(result.validationErrors()).isEmpty();
            assertThat(result.isValid()).isFalse();
        }

        @Test
        void shouldReportRegistryErrorsLast()
        {
            final GraphValidator.Result result = GraphValidator.validate(realisticGraph().build(), new Registered());

            assertThat(result.fieldErrors()).isEmpty();
            assertThat(result.modelError()).isNull();
            assertThat(result.validationErrors()).startsWith("Node Loader in namespace ns does not exist.");
            assertThat(result.isValid()).isFalse();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Python text rendering used by the messages
    // ---------------------------------------------------------------------------------------------------------------

    @Nested
    class PythonText
    {
        @Test
        void shouldRenderStringsLikePythonRepr()
        {
            assertThat(ValidationText.repr("plain")).isEqualTo("'plain'");
            assertThat(ValidationText.repr("it's")).isEqualTo("\"it's\"");
            assertThat(ValidationText.repr("both ' and \"")).isEqualTo("'both \\' and \"'");
            assertThat(ValidationText.repr("tab\tnl\ncr\rbs\\")).isEqualTo("'tab\\tnl\\ncr\\rbs\\\\'");
            assertThat(ValidationText.repr("\u0001\u007f\u00a0\u00e9\u200b\ud83d\ude00"))
                .isEqualTo("'\\x01\\x7f\\xa0\u00e9\\u200b\ud83d\ude00'");
        }

        @Test
        void shouldRenderUniteNodeLikePydanticRepr()
        {
            final NodeTemplateSpec node = new NodeTemplateSpec(
                "N", "ns", "u", List.of(), List.of(), new UnitesSpec("t", UniteStrategy.ALL_DONE));

            assertThat(ValidationText.reprNode(node)).isEqualTo(
                "NodeTemplate(node_name='N', namespace='ns', identifier='u', inputs={}, next_nodes=[], " +
                "unites=Unites(identifier='t', strategy=<UnitesStrategyEnum.ALL_DONE: 'ALL_DONE'>))");
        }

        @Test
        void shouldStripPythonWhitespaceOnly()
        {
            assertThat(ValidationText.strip("\u0085\u00a0\u2007 a b\u3000\u202f")).isEqualTo("a b");
            assertThat(ValidationText.strip("\u200ba\u200b")).isEqualTo("\u200ba\u200b");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Fixture
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * A loader reading the store fans out through a splitter to a worker and an audit leaf; the merger unites the
     * splitter and reads the splitter's and the loader's outputs (its only readable ancestors) and the store.
     */
    private static GraphBuilder realisticGraph()
    {
        return new GraphBuilder(" ns ", " g ")
            .node(node("loader").named("Loader").input("url", "${{ store.url }}").next("splitter"))
            .node(node("splitter").named("Splitter").input("text", "${{loader.outputs.text}}")
                .next("worker", "audit"))
            .node(node("worker").named("Worker").input("chunk", "chunk: ${{ splitter.outputs.chunk }}")
                .next("merger"))
            .node(node("audit").named("Audit").input("source", "${{ loader.outputs.text }}")
                .input("label", "${{store.label}}"))
            .node(node("merger").named("Merger").unites("splitter", UniteStrategy.ALL_DONE)
                .input("manifest", "${{splitter.outputs.manifest}} of ${{loader.outputs.text}}")
                .input("label", "${{ store.label }}"))
            .secret("api_key", SECRET)
            .required("url")
            .defaults("label", "nightly")
            .trigger(TriggerSpec.cron("0 * * * *"));
    }

    private static Registered realisticRegistry()
    {
        return new Registered()
            .node("Loader", List.of(text("url")), List.of(text("text")), "api_key")
            .node("Splitter", List.of(text("text")), List.of(text("chunk"), text("manifest"), number("count")))
            .node("Worker", List.of(text("chunk")), List.of(number("score")))
            .node("Audit", List.of(text("source")), List.of())
            .node("Merger", List.of(text("manifest"), text("label")), List.of(text("summary")), "api_key");
    }

    private static String checkModel(final GraphBuilder graph)
    {
        return GraphValidator.checkModel(normalized(graph));
    }

    private static GraphSpec normalized(final GraphBuilder graph)
    {
        return GraphValidator.normalize(graph.build());
    }

    private static SchemaField text(final String name)
    {
        return new SchemaField(name, FieldKind.STRING);
    }

    private static SchemaField number(final String name)
    {
        return new SchemaField(name, FieldKind.NOT_STRING);
    }

    private static NodeBuilder node(final String identifier)
    {
        return new NodeBuilder(identifier);
    }

    private static GraphBuilder graph(final NodeBuilder... nodes)
    {
        final GraphBuilder graph = new GraphBuilder("ns", "g");
        for (final NodeBuilder node : nodes)
        {
            graph.node(node);
        }
        return graph;
    }

    private static final class NodeBuilder
    {
        private final String identifier;
        private String nodeName;
        private String namespace = "ns";
        private final List<TemplateInput> inputs = new ArrayList<>();
        private List<String> nextNodes;
        private UnitesSpec unites;

        NodeBuilder(final String identifier)
        {
            this.identifier = identifier;
            this.nodeName = "N_" + identifier;
        }

        NodeBuilder named(final String nodeName)
        {
            this.nodeName = nodeName;
            return this;
        }

        NodeBuilder in(final String namespace)
        {
            this.namespace = namespace;
            return this;
        }

        NodeBuilder input(final String key, final String value)
        {
            inputs.add(TemplateInput.of(key, value));
            return this;
        }

        NodeBuilder nonString(final String key, final String pythonRepr)
        {
            inputs.add(new TemplateInput(key, pythonRepr, false));
            return this;
        }

        NodeBuilder next(final String... identifiers)
        {
            nextNodes = Arrays.asList(identifiers);
            return this;
        }

        NodeBuilder unites(final String target)
        {
            return unites(target, UniteStrategy.ALL_SUCCESS);
        }

        NodeBuilder unites(final String target, final UniteStrategy strategy)
        {
            unites = new UnitesSpec(target, strategy);
            return this;
        }

        NodeTemplateSpec build()
        {
            return new NodeTemplateSpec(nodeName, namespace, identifier, inputs, nextNodes, unites);
        }
    }

    private static final class GraphBuilder
    {
        private final String namespace;
        private final String name;
        private final List<NodeTemplateSpec> nodes = new ArrayList<>();
        private final Map<String, String> secrets = new LinkedHashMap<>();
        private RetryPolicySpec retry = RetryPolicySpec.DEFAULT;
        private final List<String> requiredKeys = new ArrayList<>();
        private final Map<String, String> defaultValues = new LinkedHashMap<>();
        private final List<TriggerSpec> triggers = new ArrayList<>();

        GraphBuilder(final String namespace, final String name)
        {
            this.namespace = namespace;
            this.name = name;
        }

        GraphBuilder node(final NodeBuilder node)
        {
            nodes.add(node.build());
            return this;
        }

        GraphBuilder secret(final String key, final String value)
        {
            secrets.put(key, value);
            return this;
        }

        GraphBuilder retry(final RetryPolicySpec retry)
        {
            this.retry = retry;
            return this;
        }

        GraphBuilder required(final String... keys)
        {
            requiredKeys.addAll(Arrays.asList(keys));
            return this;
        }

        GraphBuilder defaults(final String key, final String value)
        {
            defaultValues.put(key, value);
            return this;
        }

        GraphBuilder trigger(final TriggerSpec trigger)
        {
            triggers.add(trigger);
            return this;
        }

        GraphSpec build()
        {
            return new GraphSpec(
                namespace, name, nodes, secrets, retry, new StoreConfigSpec(requiredKeys, defaultValues), triggers);
        }
    }

    /** Registered nodes in namespace {@code ns}; records every lookup. */
    private static final class Registered implements NodeLookup
    {
        private final Map<String, NodeRegistration> byKey = new LinkedHashMap<>();
        private final List<String> lookups = new ArrayList<>();

        Registered node(
            final String name, final List<SchemaField> inputs, final List<SchemaField> outputs, final String... secrets)
        {
            byKey.put("ns/" + name, new NodeRegistration(name, inputs, outputs, List.of(secrets), "{}", "{}"));
            return this;
        }

        public NodeRegistration find(final String namespace, final String name)
        {
            lookups.add(namespace + "/" + name);
            return byKey.get(namespace + "/" + name);
        }
    }
}
