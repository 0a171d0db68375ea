package io.exostate.transport.client;

import io.exostate.core.template.NodeRegistration;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A unit of work a {@link Runtime} executes: the Java counterpart of an Exosphere {@code BaseNode} (SPEC §12.1).
 * Every input, output and secret is a string, as in Exosphere, where every field must be annotated {@code str}.
 * <p>
 * {@link #name()} is the registered node name that graph templates refer to. {@link #inputNames()},
 * {@link #outputNames()} and {@link #secretNames()} become the registration: JSON schemas shaped like Pydantic's
 * {@code model_json_schema()} of an all-{@code str} model, and the secret names.
 * <p>
 * {@link #execute} receives exactly the declared input fields (a claimed state missing one is reported errored
 * before {@code execute} runs, like Pydantic's {@code Field required}) and the state's secrets when the node declares
 * any (fetched from the server for each execution). It returns the outputs:
 * <ul>
 * <li>an empty list (or null): the state executed with no outputs;</li>
 * <li>one map: the state's outputs;</li>
 * <li>N maps: a fanout, N parallel branches.</li>
 * </ul>
 * Each output map must hold exactly the declared output fields, with non-null values; anything else is reported as an
 * error (Exosphere would drop unknown fields silently). To end the branch, throw {@link PruneSignal}; to run again
 * later, {@link RequeueAfterSignal}; any other exception reports the state errored with the exception's message and
 * lets the graph's retry policy decide.
 * <p>
 * <b>Threading:</b> a runtime calls {@code execute} from its worker threads, possibly concurrently for different
 * states: implementations must be thread safe (a stateless node is). The other methods are called once, at start.
 * {@code execute} may block; a long execution keeps its lease alive through the runtime's heartbeats. When the runtime
 * is closed with executions still running past its close timeout, their threads are interrupted.
 */
public interface Node
{
    /** The registered node name; unique within a runtime. */
    String name();

    /** The input field names, in schema order. */
    default List<String> inputNames()
    {
        return List.of();
    }

    /** The output field names, in schema order. */
    default List<String> outputNames()
    {
        return List.of();
    }

    /** The names of the secrets the node reads; the graph template supplies their values. */
    default List<String> secretNames()
    {
        return List.of();
    }

    /**
     * Runs one claimed state.
     *
     * @param inputs  the declared input fields and their values; unmodifiable.
     * @param secrets the declared secrets and their values (empty when none are declared); unmodifiable.
     * @return the outputs: empty (or null) for none, one map, or N maps for a fanout.
     * @throws PruneSignal        to prune this branch.
     * @throws RequeueAfterSignal to run the state again after a delay.
     * @throws Exception          any other failure: the state is reported errored with the exception's message.
     */
    List<Map<String, String>> execute(Map<String, String> inputs, Map<String, String> secrets) throws Exception;

    /** What the runtime registers for this node: all fields are strings, the schemas are Pydantic-shaped. */
    default NodeRegistration registration()
    {
        return NodeSchemas.registration(this);
    }

    /**
     * A node with at most one output: implement {@link #executeOne} instead of {@link #execute}.
     */
    interface SingleOutput extends Node
    {
        /**
         * Runs one claimed state.
         *
         * @return the outputs, or null for none.
         * @throws Exception as {@link Node#execute}.
         */
        Map<String, String> executeOne(Map<String, String> inputs, Map<String, String> secrets) throws Exception;

        @Override
        default List<Map<String, String>> execute(final Map<String, String> inputs, final Map<String, String> secrets)
            throws Exception
        {
            final Map<String, String> outputs = executeOne(inputs, secrets);
            return outputs == null ? List.of() : List.of(outputs);
        }
    }

    /** The body of a node built with {@link #named(String)}. */
    @FunctionalInterface
    interface Body
    {
        List<Map<String, String>> execute(Map<String, String> inputs, Map<String, String> secrets) throws Exception;
    }

    /** The body of a single-output node built with {@link #named(String)}; null means no outputs. */
    @FunctionalInterface
    interface SingleBody
    {
        Map<String, String> execute(Map<String, String> inputs, Map<String, String> secrets) throws Exception;
    }

    /**
     * Starts a node definition: {@code Node.named("Double").inputs("x").outputs("y").single((in, s) -> ...)}.
     */
    static Builder named(final String name)
    {
        return new Builder(name);
    }

    /** Builds a {@link Node} from names and a lambda. Not thread safe; the built node is immutable. */
    final class Builder
    {
        private final String name;
        private List<String> inputs = List.of();
        private List<String> outputs = List.of();
        private List<String> secrets = List.of();

        Builder(final String name)
        {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder inputs(final String... names)
        {
            inputs = List.of(names);
            return this;
        }

        public Builder outputs(final String... names)
        {
            outputs = List.of(names);
            return this;
        }

        public Builder secrets(final String... names)
        {
            secrets = List.of(names);
            return this;
        }

        /** A node that returns any number of outputs (N is a fanout). */
        public Node execute(final Body body)
        {
            Objects.requireNonNull(body, "body");
            return new BuiltNode(name, inputs, outputs, secrets, body);
        }

        /** A node that returns one output map, or null for none. */
        public Node single(final SingleBody body)
        {
            Objects.requireNonNull(body, "body");
            return new BuiltNode(name, inputs, outputs, secrets, (in, s) ->
            {
                final Map<String, String> out = body.execute(in, s);
                return out == null ? List.of() : List.of(out);
            });
        }
    }
}
