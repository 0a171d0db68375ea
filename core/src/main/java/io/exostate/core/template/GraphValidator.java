package io.exostate.core.template;

import io.exostate.core.model.FieldKind;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every graph-template validation rule of SPEC §10, with Exosphere's error texts in Exosphere's order. ExoState runs
 * the three phases synchronously (decision 2), one after another, stopping at the first that fails:
 * <ol>
 *     <li>{@link #checkFields(GraphSpec)}: the value rules of the request body (§10.1, HTTP 422). JSON types, enums
 *     and required keys are the HTTP edge's job.</li>
 *     <li>{@link #normalize(GraphSpec)} then {@link #checkModel(GraphSpec)}: the graph model checks 1–8 (§10.2, HTTP
 *     400).</li>
 *     <li>{@link #checkAgainstRegistry(GraphSpec, NodeLookup)}: the checks against registered nodes (§10.3, the
 *     {@code validation_errors} of an INVALID template).</li>
 * </ol>
 * Pure functions over immutable records: no clock, no randomness, no shared state; safe from any thread. Where
 * Exosphere iterates a Python set (whose order varies between processes) this class uses template order, so the
 * output is deterministic; the individual texts are unchanged.
 */
public final class GraphValidator
{
    /** The message of a schema property without a type, from the json-schema-to-pydantic conversion. */
    public static final String UNTYPED_SCHEMA_MESSAGE = "Schema must specify a type";

    private static final String VALUE_ERROR = "value_error";
    private static final String VALUE_ERROR_PREFIX = "Value error, ";
    private static final String MODEL_ERROR_PREFIX = "Error validating graph template: ";

    /**
     * The outcome of {@link #validate(GraphSpec, NodeLookup)}: the errors of the first phase that failed, or none.
     *
     * @param fieldErrors      the 422 errors of §10.1; when not empty nothing else was checked.
     * @param modelError       the 400 detail of §10.2, or null.
     * @param normalized       the trimmed template, or null when the field rules failed.
     * @param validationErrors the §10.3 errors; empty when the template is VALID (or an earlier phase failed).
     */
    public record Result(
        List<FieldError> fieldErrors, String modelError, GraphSpec normalized, List<String> validationErrors)
    {
        public Result
        {
            fieldErrors = List.copyOf(fieldErrors);
            validationErrors = List.copyOf(validationErrors);
        }

        /** True when every phase passed: the template is VALID. */
        public boolean isValid()
        {
            return fieldErrors.isEmpty() && modelError == null && validationErrors.isEmpty();
        }
    }

    /** Exosphere's schema-to-model conversion failed; the whole §10.3 validation becomes one "unexpected" error. */
    private static final class UnexpectedValidationError extends Exception
    {
        private static final long serialVersionUID = 1L;

        UnexpectedValidationError(final String message)
        {
            super(message);
        }
    }

    private record NodeKey(String namespace, String name)
    {
    }

    /** One pydantic line error: {@code field} is null for a model-level error. */
    private record LineError(String field, String message)
    {
    }

    private GraphValidator()
    {
    }

    /**
     * Run all three phases, stopping at the first that fails.
     *
     * @param spec   the template as the client sent it.
     * @param lookup the registered nodes.
     * @return the errors of the first failing phase; {@link Result#isValid()} when there are none.
     */
    public static Result validate(final GraphSpec spec, final NodeLookup lookup)
    {
        final List<FieldError> fieldErrors = checkFields(spec);
        if (!fieldErrors.isEmpty())
        {
            return new Result(fieldErrors, null, null, List.of());
        }
        final GraphSpec normalized = normalize(spec);
        final String modelError = checkModel(normalized);
        if (modelError != null)
        {
            return new Result(List.of(), modelError, normalized, List.of());
        }
        return new Result(List.of(), null, normalized, checkAgainstRegistry(normalized, lookup));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // §10.1: value rules of the request body (HTTP 422)
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * The value rules of §1.4, §1.6, §1.7 and §1.8 that give HTTP 422, in pydantic's order: body fields in
     * declaration order ({@code secrets, nodes, retry_policy, store_config, triggers}); nodes by index, then fields
     * {@code node_name, namespace, identifier, inputs, next_nodes, unites}. Messages of custom validators carry
     * pydantic's {@code "Value error, "} prefix and type {@code value_error}; several problems of one field are
     * joined with newlines into one error, as Exosphere's validators do.
     *
     * @param spec the template as received (untrimmed).
     * @return the errors, empty when the body is acceptable.
     */
    public static List<FieldError> checkFields(final GraphSpec spec)
    {
        final List<FieldError> errors = new ArrayList<>();

        for (int i = 0; i < spec.nodes().size(); i++)
        {
            checkNodeFields(spec.nodes().get(i), i, errors);
        }

        final RetryPolicySpec retry = spec.retryPolicy();
        if (retry.maxRetries() < 0)
        {
            errors.add(new FieldError(
                List.of("body", "retry_policy", "max_retries"),
                "greater_than_equal",
                "Input should be greater than or equal to 0"));
        }
        checkPositive(retry.backoffFactor(), "backoff_factor", errors);
        checkPositive(retry.exponent(), "exponent", errors);
        if (retry.maxDelay() != null)
        {
            checkPositive(retry.maxDelay(), "max_delay", errors);
        }

        checkStoreKeys(spec.storeConfig().requiredKeys(), "required_keys", errors);
        checkStoreKeys(spec.storeConfig().defaultValues().keySet(), "default_values", errors);

        for (int i = 0; i < spec.triggers().size(); i++)
        {
            final TriggerSpec trigger = spec.triggers().get(i);
            if (!"CRON".equals(trigger.type()))
            {
                errors.add(new FieldError(List.of("body", "triggers", i, "type"), "enum", "Input should be 'CRON'"));
            }
            if (!isValidCron(trigger.expression()))
            {
                errors.add(valueError(
                    List.of("body", "triggers", i, "value", "expression"), "Invalid cron expression"));
            }
        }

        return errors;
    }

    private static void checkNodeFields(final NodeTemplateSpec node, final int index, final List<FieldError> errors)
    {
        if (ValidationText.strip(node.nodeName()).isEmpty())
        {
            errors.add(valueError(nodeLoc(index, "node_name"), "Node name cannot be empty"));
        }

        final String identifier = ValidationText.strip(node.identifier());
        if (identifier.isEmpty())
        {
            errors.add(valueError(nodeLoc(index, "identifier"), "Node identifier cannot be empty"));
        }
        else if (DependentString.STORE.equals(identifier))
        {
            errors.add(valueError(nodeLoc(index, "identifier"), "Node identifier cannot be reserved word 'store'"));
        }

        if (node.nextNodes() != null)
        {
            final List<String> messages = new ArrayList<>();
            final Set<String> seen = new HashSet<>();
            for (final String entry : node.nextNodes())
            {
                final String next = ValidationText.strip(entry);
                if (next.isEmpty())
                {
                    messages.add("Next node identifier cannot be empty");
                }
                else if (!seen.add(next))
                {
                    messages.add("Next node identifier " + next + " is not unique");
                }
            }
            if (!messages.isEmpty())
            {
                errors.add(valueError(nodeLoc(index, "next_nodes"), String.join("\n", messages)));
            }
        }

        if (node.unites() != null && ValidationText.strip(node.unites().identifier()).isEmpty())
        {
            errors.add(valueError(nodeLoc(index, "unites"), "Unites identifier cannot be empty"));
        }
    }

    private static void checkPositive(final long value, final String field, final List<FieldError> errors)
    {
        if (value <= 0)
        {
            errors.add(new FieldError(
                List.of("body", "retry_policy", field), "greater_than", "Input should be greater than 0"));
        }
    }

    /** §1.7: every problem of one key list, joined with newlines into one error. */
    private static void checkStoreKeys(
        final Collection<String> keys, final String field, final List<FieldError> errors)
    {
        final List<String> messages = new ArrayList<>();
        final Set<String> seen = new HashSet<>();
        for (final String raw : keys)
        {
            final String key = ValidationText.strip(raw);
            if (key.isEmpty())
            {
                messages.add("Key cannot be empty or contain only whitespace");
            }
            else if (key.indexOf('.') >= 0)
            {
                messages.add("Key '" + key + "' cannot contain '.' character");
            }
            else if (!seen.add(key))
            {
                messages.add("Key '" + key + "' is duplicated");
            }
        }
        if (!messages.isEmpty())
        {
            errors.add(valueError(List.of("body", "store_config", field), String.join("\n", messages)));
        }
    }

    private static boolean isValidCron(final String expression)
    {
        try
        {
            CronExpression.parse(expression);
            return true;
        }
        catch (final IllegalArgumentException ex)
        {
            return false;
        }
    }

    private static List<Object> nodeLoc(final int index, final String field)
    {
        return List.of("body", "nodes", index, field);
    }

    private static FieldError valueError(final List<Object> loc, final String message)
    {
        return new FieldError(loc, VALUE_ERROR, VALUE_ERROR_PREFIX + message);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Normalisation: what pydantic's trimming validators leave in the model
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * The template with the trimming Exosphere's validators apply: graph name and namespace, every node's
     * {@code node_name}, {@code identifier}, {@code next_nodes} entries and {@code unites} identifier, and the store
     * keys (required keys and default-value keys; the values are unchanged). Node namespaces, input keys and values,
     * secrets and triggers are kept as they are. Meaningful only for a template that passed
     * {@link #checkFields(GraphSpec)}: after trimming, two default-value keys could otherwise collide.
     */
    public static GraphSpec normalize(final GraphSpec spec)
    {
        final List<NodeTemplateSpec> nodes = new ArrayList<>(spec.nodes().size());
        for (final NodeTemplateSpec node : spec.nodes())
        {
            List<String> nextNodes = null;
            if (node.nextNodes() != null)
            {
                nextNodes = new ArrayList<>(node.nextNodes().size());
                for (final String next : node.nextNodes())
                {
                    nextNodes.add(ValidationText.strip(next));
                }
            }
            final UnitesSpec unites = node.unites() == null ?
                null : new UnitesSpec(ValidationText.strip(node.unites().identifier()), node.unites().strategy());
            nodes.add(new NodeTemplateSpec(
                ValidationText.strip(node.nodeName()),
                node.namespace(),
                ValidationText.strip(node.identifier()),
                node.inputs(),
                nextNodes,
                unites));
        }

        final List<String> requiredKeys = new ArrayList<>(spec.storeConfig().requiredKeys().size());
        for (final String key : spec.storeConfig().requiredKeys())
        {
            requiredKeys.add(ValidationText.strip(key));
        }
        final Map<String, String> defaultValues = new LinkedHashMap<>();
        for (final Map.Entry<String, String> e : spec.storeConfig().defaultValues().entrySet())
        {
            defaultValues.put(ValidationText.strip(e.getKey()), e.getValue());
        }

        return new GraphSpec(
            ValidationText.strip(spec.namespace()),
            ValidationText.strip(spec.name()),
            nodes,
            spec.secrets(),
            spec.retryPolicy(),
            new StoreConfigSpec(requiredKeys, defaultValues),
            spec.triggers());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // §10.2: the graph model (HTTP 400)
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Checks 1–8 of §10.2 on a normalized template.
     * <p>
     * Checks 1–3 are pydantic field validators, reported per field in the model's field order ({@code name},
     * {@code namespace}, {@code nodes}, {@code secrets}); on {@code nodes} a failed uniqueness check hides the
     * next-nodes check. Checks 4–8 are model validators that run only when 1–3 passed; the first that fails is the
     * only error. The detail is rendered like {@code str(ValidationError)}:
     * <pre>
     * Error validating graph template: 2 validation errors for GraphTemplate
     * name
     *   Value error, Name cannot be empty
     * nodes
     *   Value error, Node identifier a is not unique
     * Node identifier a is not unique
     * </pre>
     * A model-level error (checks 4–8) has no field line. Pydantic's trailing
     * {@code [type=value_error, input_value=..., input_type=...]} and its documentation-link line are left out: the
     * input repr is Python's rendering of the whole request and cannot be reproduced faithfully.
     *
     * @param normalized the output of {@link #normalize(GraphSpec)}.
     * @return null when the template is valid, else the full 400 detail.
     */
    public static String checkModel(final GraphSpec normalized)
    {
        final List<LineError> fieldErrors = new ArrayList<>();
        if (normalized.name().isEmpty())
        {
            fieldErrors.add(new LineError("name", "Name cannot be empty"));
        }
        if (normalized.namespace().isEmpty())
        {
            fieldErrors.add(new LineError("namespace", "Namespace cannot be empty"));
        }
        String nodesError = checkUniqueIdentifiers(normalized.nodes());
        if (nodesError == null)
        {
            nodesError = checkNextNodesExist(normalized.nodes());
        }
        if (nodesError != null)
        {
            fieldErrors.add(new LineError("nodes", nodesError));
        }
        final String secretsError = checkSecrets(normalized.secrets());
        if (secretsError != null)
        {
            fieldErrors.add(new LineError("secrets", secretsError));
        }
        if (!fieldErrors.isEmpty())
        {
            return renderModelError(fieldErrors);
        }

        final String graphError = checkGraph(normalized);
        return graphError == null ? null : renderModelError(List.of(new LineError(null, graphError)));
    }

    /** Check 2. */
    private static String checkUniqueIdentifiers(final List<NodeTemplateSpec> nodes)
    {
        final List<String> messages = new ArrayList<>();
        final Set<String> seen = new HashSet<>();
        for (final NodeTemplateSpec node : nodes)
        {
            if (!seen.add(node.identifier()))
            {
                messages.add("Node identifier " + node.identifier() + " is not unique");
            }
        }
        return joinOrNull(messages);
    }

    /** Check 3. */
    private static String checkNextNodesExist(final List<NodeTemplateSpec> nodes)
    {
        final Set<String> identifiers = identifiers(nodes);
        final List<String> messages = new ArrayList<>();
        for (final NodeTemplateSpec node : nodes)
        {
            if (node.nextNodes() != null)
            {
                for (final String next : node.nextNodes())
                {
                    if (!identifiers.contains(next))
                    {
                        messages.add("Node identifier " + next + " does not exist in the graph");
                    }
                }
            }
        }
        return joinOrNull(messages);
    }

    /** Check 1 for secrets: the first bad entry stops the check, as in Exosphere's loop. */
    private static String checkSecrets(final Map<String, String> secrets)
    {
        for (final Map.Entry<String, String> e : secrets.entrySet())
        {
            if (e.getKey().isEmpty() || e.getValue().isEmpty())
            {
                return "Secrets cannot be empty";
            }
            if (e.getValue().length() < 32)
            {
                return "Value appears to be too short for an encrypted string";
            }
            if (ValidationText.urlSafeBase64DecodedLength(e.getValue()) < 12)
            {
                return "Value is not valid URL-safe base64 encoded";
            }
        }
        return null;
    }

    /** Checks 4–8; the first that fails is the result. */
    private static String checkGraph(final GraphSpec spec)
    {
        final List<NodeTemplateSpec> nodes = spec.nodes();

        final String unitesError = checkUnitesTargets(nodes);
        if (unitesError != null)
        {
            return unitesError;
        }

        final List<NodeTemplateSpec> roots = ValidationDependencyGraph.zeroInDegree(nodes);
        if (roots.size() != 1)
        {
            return "There should be exactly one root node in the graph but found " + roots.size() +
                " nodes with zero in-degree: " + ValidationText.reprNodes(roots);
        }
        final String root = roots.get(0).identifier();

        final ValidationDependencyGraph graph = ValidationDependencyGraph.walk(nodes, root);
        if (graph.isDisconnected())
        {
            return "Error building dependency graph: Graph is disconnected at: " + graph.renderAwaiting();
        }

        final List<String> notConnected = new ArrayList<>();
        for (final NodeTemplateSpec node : nodes)
        {
            if (!node.identifier().equals(root) && !graph.parents(node.identifier()).contains(root))
            {
                notConnected.add("Node " + node.identifier() + " is not connected to the root node");
            }
        }
        if (!notConnected.isEmpty())
        {
            return String.join("\n", notConnected);
        }

        final List<String> cyclic = new ArrayList<>();
        for (final NodeTemplateSpec node : nodes)
        {
            if (graph.path(node.identifier()).contains(node.identifier()))
            {
                cyclic.add("Node " + node.identifier() + " is not acyclic");
            }
        }
        if (!cyclic.isEmpty())
        {
            return String.join("\n", cyclic);
        }

        return checkInputDependencies(spec, graph);
    }

    /** Check 4. */
    private static String checkUnitesTargets(final List<NodeTemplateSpec> nodes)
    {
        final Set<String> identifiers = identifiers(nodes);
        final List<String> messages = new ArrayList<>();
        for (final NodeTemplateSpec node : nodes)
        {
            if (node.unites() != null)
            {
                final String target = node.unites().identifier();
                if (!identifiers.contains(target))
                {
                    messages.add("Node " + node.identifier() + " has an unites target " + target +
                        " that does not exist");
                }
                if (target.equals(node.identifier()))
                {
                    messages.add("Node " + node.identifier() + " has an unites target " + target +
                        " that is the same as the node itself");
                }
            }
        }
        return joinOrNull(messages);
    }

    /**
     * Check 8, per node and per input in template order. Within one value each output identifier and each store key
     * is checked once, in order of first appearance (Exosphere iterates a set there).
     */
    private static String checkInputDependencies(final GraphSpec spec, final ValidationDependencyGraph graph)
    {
        final Set<String> storeKeys = new HashSet<>(spec.storeConfig().requiredKeys());
        storeKeys.addAll(spec.storeConfig().defaultValues().keySet());

        final List<String> messages = new ArrayList<>();
        for (final NodeTemplateSpec node : spec.nodes())
        {
            final Set<String> parents = graph.parents(node.identifier());
            for (final TemplateInput input : node.inputs())
            {
                final String value = input.value();
                if (!input.isString())
                {
                    messages.add("Input " + value + " is not a string");
                    continue;
                }

                final DependentString template;
                try
                {
                    template = DependentString.parse(value);
                }
                catch (final TemplateSyntaxException ex)
                {
                    messages.add("Error creating dependent string for input " + value + " check syntax string: " +
                        ex.getMessage());
                    continue;
                }

                final Set<String> checkedIdentifiers = new HashSet<>();
                final Set<String> checkedKeys = new HashSet<>();
                for (final DependentString.Part part : template.parts())
                {
                    if (part.isStore())
                    {
                        final String key = part.field();
                        if (checkedKeys.add(key) && !storeKeys.contains(key))
                        {
                            messages.add("Input " + value + " depends on " + key + " but " + key +
                                " is not a required key or a default value");
                        }
                    }
                    else
                    {
                        final String identifier = part.identifier();
                        if (checkedIdentifiers.add(identifier) && !parents.contains(identifier))
                        {
                            messages.add("Input " + value + " depends on " + identifier + " but " + identifier +
                                " is not a parent of " + node.identifier());
                        }
                    }
                }
            }
        }
        return joinOrNull(messages);
    }

    private static String renderModelError(final List<LineError> errors)
    {
        final int count = errors.size();
        final StringBuilder out = new StringBuilder(MODEL_ERROR_PREFIX)
            .append(count).append(count == 1 ? " validation error" : " validation errors").append(" for GraphTemplate");
        for (final LineError error : errors)
        {
            out.append('\n');
            if (error.field() != null)
            {
                out.append(error.field()).append('\n');
            }
            out.append("  ").append(VALUE_ERROR_PREFIX).append(error.message());
        }
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // §10.3: against the registered nodes
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * The checks of §10.3 on a template that passed {@link #checkModel(GraphSpec)}: all node-existence errors, then
     * all secret errors, then all input errors.
     * <ul>
     *     <li>Node existence: each distinct (node_name, namespace) once, in template order (Exosphere takes a set
     *     difference).</li>
     *     <li>Secrets: the distinct secret names of the registered nodes used, in template order of the nodes and
     *     list order within a node, that the template does not define.</li>
     *     <li>Inputs: per template node (not deduplicated), the input-schema fields in schema order, then the
     *     output placeholders of each input value, each distinct (identifier, field) pair of one value once.</li>
     * </ul>
     * Converting a schema that has a property without a type ({@link FieldKind#UNTYPED}) fails in Exosphere; then
     * the whole result is {@code ["Validation failed due to unexpected error: Schema must specify a type"]}. As in
     * Exosphere, a schema is converted only when it is read: the inputs schema of every registered template node,
     * the outputs schema of a node that some placeholder references.
     *
     * @param normalized a template that passed phases 1 and 2.
     * @param lookup     the registered nodes; called once per distinct (namespace, name).
     * @return the errors; empty when the template is VALID.
     */
    public static List<String> checkAgainstRegistry(final GraphSpec normalized, final NodeLookup lookup)
    {
        final Map<NodeKey, NodeRegistration> registrations = new LinkedHashMap<>();
        for (final NodeTemplateSpec node : normalized.nodes())
        {
            final NodeKey key = new NodeKey(node.namespace(), node.nodeName());
            if (!registrations.containsKey(key))
            {
                registrations.put(key, lookup.find(key.namespace(), key.name()));
            }
        }

        final List<String> errors = new ArrayList<>();
        for (final Map.Entry<NodeKey, NodeRegistration> e : registrations.entrySet())
        {
            if (e.getValue() == null)
            {
                final NodeKey key = e.getKey();
                errors.add("Node " + key.name() + " in namespace " + key.namespace() + " does not exist.");
            }
        }

        final Set<String> requiredSecrets = new LinkedHashSet<>();
        for (final NodeRegistration registration : registrations.values())
        {
            if (registration != null)
            {
                requiredSecrets.addAll(registration.secrets());
            }
        }
        for (final String secret : requiredSecrets)
        {
            if (!normalized.secrets().containsKey(secret))
            {
                errors.add("Secret " + secret + " is required but not present in the graph template");
            }
        }

        try
        {
            for (final NodeTemplateSpec node : normalized.nodes())
            {
                checkNodeInputs(normalized, node, registrations, errors);
            }
        }
        catch (final UnexpectedValidationError ex)
        {
            return List.of("Validation failed due to unexpected error: " + ex.getMessage());
        }
        return errors;
    }

    private static void checkNodeInputs(
        final GraphSpec spec,
        final NodeTemplateSpec node,
        final Map<NodeKey, NodeRegistration> registrations,
        final List<String> errors) throws UnexpectedValidationError
    {
        final NodeRegistration registration = registrations.get(new NodeKey(node.namespace(), node.nodeName()));
        if (registration == null)
        {
            errors.add("Node " + node.nodeName() + " in namespace " + node.namespace() + " does not exist");
            return;
        }

        final String where = " in node " + node.nodeName() + " in namespace " + node.namespace();
        for (final SchemaField field : convert(registration.inputs()))
        {
            if (field.kind() != FieldKind.STRING)
            {
                errors.add("Input " + field.name() + where + " is not a string");
            }
            else if (node.input(field.name()) == null)
            {
                errors.add("Input " + field.name() + where + " is not present in the graph template");
            }
        }

        for (final DependentString template : dependentStrings(node))
        {
            for (final DependentString.Dependency dependency : template.dependencies())
            {
                if (dependency.isStore())
                {
                    continue;
                }
                final NodeTemplateSpec source = spec.node(dependency.identifier());
                if (source == null)
                {
                    errors.add("Node " + dependency.identifier() + " does not exist in the graph template");
                    continue;
                }
                final NodeRegistration sourceRegistration =
                    registrations.get(new NodeKey(source.namespace(), source.nodeName()));
                if (sourceRegistration == null)
                {
                    errors.add("Node " + source.nodeName() + " in namespace " + source.namespace() + " does not exist");
                    continue;
                }
                final String sourceWhere = " in node " + source.nodeName() + " in namespace " + source.namespace();
                final SchemaField output = find(convert(sourceRegistration.outputs()), dependency.field());
                if (output == null)
                {
                    errors.add("Field " + dependency.field() + sourceWhere + " does not exist");
                }
                else if (output.kind() != FieldKind.STRING)
                {
                    errors.add("Field " + dependency.field() + sourceWhere + " is not a string");
                }
            }
        }
    }

    /** Exosphere's {@code get_dependent_strings()}: all inputs of the node parsed first; any failure is unexpected. */
    private static List<DependentString> dependentStrings(final NodeTemplateSpec node) throws UnexpectedValidationError
    {
        final List<DependentString> result = new ArrayList<>(node.inputs().size());
        for (final TemplateInput input : node.inputs())
        {
            if (!input.isString())
            {
                throw new UnexpectedValidationError("Input " + input.value() + " is not a string");
            }
            try
            {
                result.add(DependentString.parse(input.value()));
            }
            catch (final TemplateSyntaxException ex)
            {
                throw new UnexpectedValidationError(ex.getMessage());
            }
        }
        return result;
    }

    /** The schema-to-model conversion: fails as a whole when any property has no type. */
    private static List<SchemaField> convert(final List<SchemaField> schema) throws UnexpectedValidationError
    {
        for (final SchemaField field : schema)
        {
            if (field.kind() == FieldKind.UNTYPED)
            {
                throw new UnexpectedValidationError(UNTYPED_SCHEMA_MESSAGE);
            }
        }
        return schema;
    }

    private static SchemaField find(final List<SchemaField> fields, final String name)
    {
        for (final SchemaField field : fields)
        {
            if (field.name().equals(name))
            {
                return field;
            }
        }
        return null;
    }

    private static Set<String> identifiers(final List<NodeTemplateSpec> nodes)
    {
        final Set<String> identifiers = new HashSet<>();
        for (final NodeTemplateSpec node : nodes)
        {
            identifiers.add(node.identifier());
        }
        return identifiers;
    }

    private static String joinOrNull(final List<String> messages)
    {
        return messages.isEmpty() ? null : String.join("\n", messages);
    }
}
