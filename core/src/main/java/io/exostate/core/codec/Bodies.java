package io.exostate.core.codec;

import io.exostate.core.codec.sbe.BooleanType;
import io.exostate.core.codec.sbe.FieldKindCode;
import io.exostate.core.codec.sbe.GraphBodyDecoder;
import io.exostate.core.codec.sbe.GraphBodyEncoder;
import io.exostate.core.codec.sbe.GraphSpecBodyDecoder;
import io.exostate.core.codec.sbe.GraphSpecBodyEncoder;
import io.exostate.core.codec.sbe.MessageHeaderEncoder;
import io.exostate.core.codec.sbe.NodeRegistrationBodyDecoder;
import io.exostate.core.codec.sbe.NodeRegistrationBodyEncoder;
import io.exostate.core.codec.sbe.RetryStrategyCode;
import io.exostate.core.codec.sbe.UniteStrategyCode;
import io.exostate.core.engine.Views;
import io.exostate.core.model.RetryStrategy;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.SchemaField;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import io.exostate.core.template.TriggerSpec;
import io.exostate.core.template.UnitesSpec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.sbe.MessageEncoderFlyweight;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bodies that several messages embed in a var-data field: a {@link NodeRegistration}
 * ({@code NodeRegistrationBody}, in RegisterNodes, RegisterReply, NodesReply), a {@link GraphSpec}
 * ({@code GraphSpecBody}, in UpsertGraph and GraphBody) and a {@link Views.Graph} ({@code GraphBody}, in UpsertReply,
 * GraphReply, GraphsReply). SBE has no shared group types, so embedding one body message keeps one definition in the
 * schema and one codec here instead of a copy per message. Each body carries its own message header, checked like a
 * top-level message. Cold path: records in, records out.
 * <p>
 * Not thread safe: one per codec.
 */
final class Bodies
{
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final NodeRegistrationBodyEncoder registrationEncoder = new NodeRegistrationBodyEncoder();
    private final NodeRegistrationBodyDecoder registrationDecoder = new NodeRegistrationBodyDecoder();
    private final GraphSpecBodyEncoder specEncoder = new GraphSpecBodyEncoder();
    private final GraphSpecBodyDecoder specDecoder = new GraphSpecBodyDecoder();
    private final GraphBodyEncoder graphEncoder = new GraphBodyEncoder();
    private final GraphBodyDecoder graphDecoder = new GraphBodyDecoder();
    private final WireReader registrationReader = new WireReader();
    private final WireReader specReader = new WireReader();
    private final WireReader graphReader = new WireReader();

    /** Writes {@code registration} as the next var-data field of {@code outer}. */
    void putRegistration(final MessageEncoderFlyweight outer, final NodeRegistration registration)
    {
        final int at = Wire.beginBytes(outer);
        Wire.endBytes(outer, registration(outer.buffer(), at, registration));
    }

    void putGraphSpec(final MessageEncoderFlyweight outer, final GraphSpec spec)
    {
        final int at = Wire.beginBytes(outer);
        Wire.endBytes(outer, graphSpec(outer.buffer(), at, spec.namespace(), spec.name(), spec.nodes(),
            spec.secrets(), spec.retryPolicy(), spec.storeConfig(), spec.triggers()));
    }

    void putGraph(final MessageEncoderFlyweight outer, final Views.Graph graph)
    {
        final int at = Wire.beginBytes(outer);
        Wire.endBytes(outer, graph(outer.buffer(), at, graph));
    }

    /** Reads a NodeRegistrationBody at [offset, offset + length); {@code field} names the holder in errors. */
    NodeRegistration registration(
        final DirectBuffer buffer, final int offset, final int length, final String field)
    {
        final WireReader in = registrationReader;
        final NodeRegistrationBodyDecoder d = registrationDecoder;
        in.bodyHeader(buffer, offset, length, NodeRegistrationBodyDecoder.TEMPLATE_ID, field);
        in.wrap(d, offset, "NodeRegistrationBody");

        final List<SchemaField> inputs = new ArrayList<>();
        final int inputCount = in.group(d, NodeRegistrationBodyDecoder.InputsDecoder.sbeBlockLength(),
            "NodeRegistrationBody.inputs");
        final NodeRegistrationBodyDecoder.InputsDecoder inputsDecoder = d.inputs();
        for (int i = 0; i < inputCount; i++)
        {
            in.entry(d, inputsDecoder.actingBlockLength(), "NodeRegistrationBody.inputs");
            inputsDecoder.next();
            final short kind = inputsDecoder.kindRaw();
            final String name = in.string(d, "NodeRegistrationBody.inputs.name");
            inputs.add(new SchemaField(name, WireReader.fieldKind(kind, "NodeRegistrationBody.inputs.kind")));
        }

        final List<SchemaField> outputs = new ArrayList<>();
        final int outputCount = in.group(d, NodeRegistrationBodyDecoder.OutputsDecoder.sbeBlockLength(),
            "NodeRegistrationBody.outputs");
        final NodeRegistrationBodyDecoder.OutputsDecoder outputsDecoder = d.outputs();
        for (int i = 0; i < outputCount; i++)
        {
            in.entry(d, outputsDecoder.actingBlockLength(), "NodeRegistrationBody.outputs");
            outputsDecoder.next();
            final short kind = outputsDecoder.kindRaw();
            final String name = in.string(d, "NodeRegistrationBody.outputs.name");
            outputs.add(new SchemaField(name, WireReader.fieldKind(kind, "NodeRegistrationBody.outputs.kind")));
        }

        final List<String> secrets = new ArrayList<>();
        final int secretCount = in.group(d, NodeRegistrationBodyDecoder.SecretsDecoder.sbeBlockLength(),
            "NodeRegistrationBody.secrets");
        final NodeRegistrationBodyDecoder.SecretsDecoder secretsDecoder = d.secrets();
        for (int i = 0; i < secretCount; i++)
        {
            in.entry(d, secretsDecoder.actingBlockLength(), "NodeRegistrationBody.secrets");
            secretsDecoder.next();
            secrets.add(in.string(d, "NodeRegistrationBody.secrets.name"));
        }

        final String name = in.string(d, "NodeRegistrationBody.name");
        final String inputsSchemaJson = in.string(d, "NodeRegistrationBody.inputsSchemaJson");
        final String outputsSchemaJson = in.string(d, "NodeRegistrationBody.outputsSchemaJson");
        in.done(d, "NodeRegistrationBody");
        return new NodeRegistration(name, inputs, outputs, secrets, inputsSchemaJson, outputsSchemaJson);
    }

    GraphSpec graphSpec(final DirectBuffer buffer, final int offset, final int length, final String field)
    {
        final WireReader in = specReader;
        final GraphSpecBodyDecoder d = specDecoder;
        in.bodyHeader(buffer, offset, length, GraphSpecBodyDecoder.TEMPLATE_ID, field);
        in.wrap(d, offset, "GraphSpecBody");

        final long maxRetries = d.maxRetries();
        final RetryStrategy strategy = WireReader.retryStrategy(d.strategyRaw(), "GraphSpecBody.strategy");
        final long backoffFactor = d.backoffFactor();
        final long exponent = d.exponent();
        final boolean hasMaxDelay = WireReader.bool(d.hasMaxDelayRaw(), "GraphSpecBody.hasMaxDelay");
        final Long maxDelay = hasMaxDelay ? d.maxDelay() : null;

        final List<NodeTemplateSpec> nodes = new ArrayList<>();
        final int nodeCount = in.group(d, GraphSpecBodyDecoder.NodesDecoder.sbeBlockLength(), "GraphSpecBody.nodes");
        final GraphSpecBodyDecoder.NodesDecoder nodesDecoder = d.nodes();
        for (int i = 0; i < nodeCount; i++)
        {
            in.entry(d, nodesDecoder.actingBlockLength(), "GraphSpecBody.nodes");
            nodesDecoder.next();
            final boolean hasNextNodes =
                WireReader.bool(nodesDecoder.hasNextNodesRaw(), "GraphSpecBody.nodes.hasNextNodes");
            final boolean hasUnites = WireReader.bool(nodesDecoder.hasUnitesRaw(), "GraphSpecBody.nodes.hasUnites");
            final short unitesStrategy = nodesDecoder.unitesStrategyRaw();

            final List<TemplateInput> inputs = new ArrayList<>();
            final int inputCount = in.group(d, GraphSpecBodyDecoder.NodesDecoder.InputsDecoder.sbeBlockLength(),
                "GraphSpecBody.nodes.inputs");
            final GraphSpecBodyDecoder.NodesDecoder.InputsDecoder inputsDecoder = nodesDecoder.inputs();
            for (int j = 0; j < inputCount; j++)
            {
                in.entry(d, inputsDecoder.actingBlockLength(), "GraphSpecBody.nodes.inputs");
                inputsDecoder.next();
                final boolean isString =
                    WireReader.bool(inputsDecoder.isStringRaw(), "GraphSpecBody.nodes.inputs.isString");
                final String key = in.string(d, "GraphSpecBody.nodes.inputs.key");
                final String value = in.string(d, "GraphSpecBody.nodes.inputs.value");
                inputs.add(new TemplateInput(key, value, isString));
            }

            final int nextCount = in.group(d, GraphSpecBodyDecoder.NodesDecoder.NextNodesDecoder.sbeBlockLength(),
                "GraphSpecBody.nodes.nextNodes");
            if (!hasNextNodes && nextCount != 0)
            {
                throw new WireReader.Malformed(DecodeError.Kind.MALFORMED,
                    "Expected no GraphSpecBody.nodes.nextNodes when hasNextNodes is F, but there are " + nextCount);
            }
            final List<String> nextNodes = hasNextNodes ? new ArrayList<>(nextCount) : null;
            final GraphSpecBodyDecoder.NodesDecoder.NextNodesDecoder nextDecoder = nodesDecoder.nextNodes();
            for (int j = 0; j < nextCount; j++)
            {
                in.entry(d, nextDecoder.actingBlockLength(), "GraphSpecBody.nodes.nextNodes");
                nextDecoder.next();
                nextNodes.add(in.string(d, "GraphSpecBody.nodes.nextNodes.identifier"));
            }

            final String nodeName = in.string(d, "GraphSpecBody.nodes.nodeName");
            final String namespace = in.string(d, "GraphSpecBody.nodes.namespaceName");
            final String identifier = in.string(d, "GraphSpecBody.nodes.identifier");
            final String unitesIdentifier = in.string(d, "GraphSpecBody.nodes.unitesIdentifier");
            final UnitesSpec unites = hasUnites ? new UnitesSpec(unitesIdentifier,
                WireReader.uniteStrategy(unitesStrategy, "GraphSpecBody.nodes.unitesStrategy")) : null;
            nodes.add(new NodeTemplateSpec(nodeName, namespace, identifier, inputs, nextNodes, unites));
        }

        final Map<String, String> secrets = new LinkedHashMap<>();
        final int secretCount =
            in.group(d, GraphSpecBodyDecoder.SecretsDecoder.sbeBlockLength(), "GraphSpecBody.secrets");
        final GraphSpecBodyDecoder.SecretsDecoder secretsDecoder = d.secrets();
        for (int i = 0; i < secretCount; i++)
        {
            in.entry(d, secretsDecoder.actingBlockLength(), "GraphSpecBody.secrets");
            secretsDecoder.next();
            final String name = in.string(d, "GraphSpecBody.secrets.name");
            final String value = in.string(d, "GraphSpecBody.secrets.value");
            WireReader.putUnique(secrets, name, value, "GraphSpecBody.secrets");
        }

        final List<String> requiredKeys = new ArrayList<>();
        final int keyCount = in.group(d, GraphSpecBodyDecoder.RequiredKeysDecoder.sbeBlockLength(),
            "GraphSpecBody.requiredKeys");
        final GraphSpecBodyDecoder.RequiredKeysDecoder keysDecoder = d.requiredKeys();
        for (int i = 0; i < keyCount; i++)
        {
            in.entry(d, keysDecoder.actingBlockLength(), "GraphSpecBody.requiredKeys");
            keysDecoder.next();
            requiredKeys.add(in.string(d, "GraphSpecBody.requiredKeys.key"));
        }

        final Map<String, String> defaults = new LinkedHashMap<>();
        final int defaultCount = in.group(d, GraphSpecBodyDecoder.DefaultValuesDecoder.sbeBlockLength(),
            "GraphSpecBody.defaultValues");
        final GraphSpecBodyDecoder.DefaultValuesDecoder defaultsDecoder = d.defaultValues();
        for (int i = 0; i < defaultCount; i++)
        {
            in.entry(d, defaultsDecoder.actingBlockLength(), "GraphSpecBody.defaultValues");
            defaultsDecoder.next();
            final String key = in.string(d, "GraphSpecBody.defaultValues.key");
            final String value = in.string(d, "GraphSpecBody.defaultValues.value");
            WireReader.putUnique(defaults, key, value, "GraphSpecBody.defaultValues");
        }

        final List<TriggerSpec> triggers = new ArrayList<>();
        final int triggerCount = in.group(d, GraphSpecBodyDecoder.TriggersDecoder.sbeBlockLength(),
            "GraphSpecBody.triggers");
        final GraphSpecBodyDecoder.TriggersDecoder triggersDecoder = d.triggers();
        for (int i = 0; i < triggerCount; i++)
        {
            in.entry(d, triggersDecoder.actingBlockLength(), "GraphSpecBody.triggers");
            triggersDecoder.next();
            final String type = in.string(d, "GraphSpecBody.triggers.triggerType");
            final String expression = in.string(d, "GraphSpecBody.triggers.expression");
            triggers.add(new TriggerSpec(type, expression));
        }

        final String namespace = in.string(d, "GraphSpecBody.namespaceName");
        final String name = in.string(d, "GraphSpecBody.name");
        in.done(d, "GraphSpecBody");
        return new GraphSpec(
            namespace,
            name,
            nodes,
            secrets,
            new RetryPolicySpec(maxRetries, strategy, backoffFactor, exponent, maxDelay),
            new StoreConfigSpec(requiredKeys, defaults),
            triggers);
    }

    Views.Graph graph(final DirectBuffer buffer, final int offset, final int length, final String field)
    {
        final WireReader in = graphReader;
        final GraphBodyDecoder d = graphDecoder;
        in.bodyHeader(buffer, offset, length, GraphBodyDecoder.TEMPLATE_ID, field);
        in.wrap(d, offset, "GraphBody");
        final int version = d.version();
        final long createdAt = d.createdAt();
        final long updatedAt = d.updatedAt();

        final List<String> errors = new ArrayList<>();
        final int errorCount = in.group(d, GraphBodyDecoder.ValidationErrorsDecoder.sbeBlockLength(),
            "GraphBody.validationErrors");
        final GraphBodyDecoder.ValidationErrorsDecoder errorsDecoder = d.validationErrors();
        for (int i = 0; i < errorCount; i++)
        {
            in.entry(d, errorsDecoder.actingBlockLength(), "GraphBody.validationErrors");
            errorsDecoder.next();
            errors.add(in.string(d, "GraphBody.validationErrors.errorText"));
        }

        final String id = in.string(d, "GraphBody.id");
        final String validationStatus = in.string(d, "GraphBody.validationStatus");
        final int specLength = in.skip(d, "GraphBody.spec");
        final GraphSpec spec = graphSpec(buffer, d.limit() - specLength, specLength, "GraphBody.spec");
        in.done(d, "GraphBody");
        return new Views.Graph(
            spec.namespace(),
            spec.name(),
            id,
            version,
            spec.nodes(),
            spec.secrets(),
            spec.retryPolicy(),
            spec.storeConfig(),
            spec.triggers(),
            validationStatus,
            List.copyOf(errors),
            createdAt,
            updatedAt);
    }

    private int registration(final MutableDirectBuffer buffer, final int offset, final NodeRegistration registration)
    {
        final NodeRegistrationBodyEncoder e = registrationEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder);

        final List<SchemaField> inputs = registration.inputs();
        final NodeRegistrationBodyEncoder.InputsEncoder inputsEncoder =
            e.inputsCount(Wire.count(inputs.size(), "NodeRegistration.inputs"));
        for (final SchemaField f : inputs)
        {
            inputsEncoder.next().kind(FieldKindCode.get((short)f.kind().ordinal()));
            Wire.string(e, f.name());
        }

        final List<SchemaField> outputs = registration.outputs();
        final NodeRegistrationBodyEncoder.OutputsEncoder outputsEncoder =
            e.outputsCount(Wire.count(outputs.size(), "NodeRegistration.outputs"));
        for (final SchemaField f : outputs)
        {
            outputsEncoder.next().kind(FieldKindCode.get((short)f.kind().ordinal()));
            Wire.string(e, f.name());
        }

        final List<String> secrets = registration.secrets();
        final NodeRegistrationBodyEncoder.SecretsEncoder secretsEncoder =
            e.secretsCount(Wire.count(secrets.size(), "NodeRegistration.secrets"));
        for (final String s : secrets)
        {
            secretsEncoder.next();
            Wire.string(e, s);
        }

        Wire.string(e, registration.name());
        Wire.string(e, registration.inputsSchemaJson());
        Wire.string(e, registration.outputsSchemaJson());
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    private int graphSpec(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final String name,
        final List<NodeTemplateSpec> nodes,
        final Map<String, String> secrets,
        final RetryPolicySpec retryPolicy,
        final StoreConfigSpec storeConfig,
        final List<TriggerSpec> triggers)
    {
        final GraphSpecBodyEncoder e = specEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder);
        final Long maxDelay = retryPolicy.maxDelay();
        e.maxRetries(retryPolicy.maxRetries())
            .strategy(RetryStrategyCode.get((short)retryPolicy.strategy().ordinal()))
            .backoffFactor(retryPolicy.backoffFactor())
            .exponent(retryPolicy.exponent())
            .hasMaxDelay(Wire.flag(maxDelay != null))
            .maxDelay(maxDelay == null ? 0 : maxDelay);

        final GraphSpecBodyEncoder.NodesEncoder nodesEncoder =
            e.nodesCount(Wire.count(nodes.size(), "GraphSpec.nodes"));
        for (final NodeTemplateSpec node : nodes)
        {
            final UnitesSpec unites = node.unites();
            final List<String> nextNodes = node.nextNodes();
            nodesEncoder.next()
                .hasNextNodes(Wire.flag(nextNodes != null))
                .hasUnites(Wire.flag(unites != null))
                .unitesStrategy(unites == null ?
                    UniteStrategyCode.ALL_SUCCESS : UniteStrategyCode.get((short)unites.strategy().ordinal()));

            final GraphSpecBodyEncoder.NodesEncoder.InputsEncoder inputsEncoder =
                nodesEncoder.inputsCount(Wire.count(node.inputs().size(), "GraphSpec.nodes.inputs"));
            for (final TemplateInput input : node.inputs())
            {
                inputsEncoder.next().isString(input.isString() ? BooleanType.T : BooleanType.F);
                Wire.string(e, input.key());
                Wire.string(e, input.value());
            }

            final GraphSpecBodyEncoder.NodesEncoder.NextNodesEncoder nextEncoder = nodesEncoder.nextNodesCount(
                nextNodes == null ? 0 : Wire.count(nextNodes.size(), "GraphSpec.nodes.nextNodes"));
            if (nextNodes != null)
            {
                for (final String next : nextNodes)
                {
                    nextEncoder.next();
                    Wire.string(e, next);
                }
            }

            Wire.string(e, node.nodeName());
            Wire.string(e, node.namespace());
            Wire.string(e, node.identifier());
            Wire.nullableString(e, unites == null ? null : unites.identifier());
        }

        final GraphSpecBodyEncoder.SecretsEncoder secretsEncoder =
            e.secretsCount(Wire.count(secrets.size(), "GraphSpec.secrets"));
        for (final Map.Entry<String, String> s : secrets.entrySet())
        {
            secretsEncoder.next();
            Wire.string(e, s.getKey());
            Wire.string(e, s.getValue());
        }

        final GraphSpecBodyEncoder.RequiredKeysEncoder keysEncoder =
            e.requiredKeysCount(Wire.count(storeConfig.requiredKeys().size(), "GraphSpec.storeConfig.requiredKeys"));
        for (final String key : storeConfig.requiredKeys())
        {
            keysEncoder.next();
            Wire.string(e, key);
        }

        final Map<String, String> defaults = storeConfig.defaultValues();
        final GraphSpecBodyEncoder.DefaultValuesEncoder defaultsEncoder =
            e.defaultValuesCount(Wire.count(defaults.size(), "GraphSpec.storeConfig.defaultValues"));
        for (final Map.Entry<String, String> d : defaults.entrySet())
        {
            defaultsEncoder.next();
            Wire.string(e, d.getKey());
            Wire.string(e, d.getValue());
        }

        final GraphSpecBodyEncoder.TriggersEncoder triggersEncoder =
            e.triggersCount(Wire.count(triggers.size(), "GraphSpec.triggers"));
        for (final TriggerSpec t : triggers)
        {
            triggersEncoder.next();
            Wire.string(e, t.type());
            Wire.string(e, t.expression());
        }

        Wire.string(e, namespace);
        Wire.string(e, name);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    private int graph(final MutableDirectBuffer buffer, final int offset, final Views.Graph graph)
    {
        final GraphBodyEncoder e = graphEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .version(graph.version())
            .createdAt(graph.createdAt())
            .updatedAt(graph.updatedAt());
        final List<String> errors = graph.validationErrors() == null ? List.of() : graph.validationErrors();
        final GraphBodyEncoder.ValidationErrorsEncoder errorsEncoder =
            e.validationErrorsCount(Wire.count(errors.size(), "Graph.validationErrors"));
        for (final String error : errors)
        {
            errorsEncoder.next();
            Wire.string(e, error);
        }
        Wire.string(e, graph.id());
        Wire.string(e, graph.validationStatus());
        final int at = Wire.beginBytes(e);
        Wire.endBytes(e, graphSpec(buffer, at, graph.namespace(), graph.name(), graph.nodes(),
            graph.encryptedSecrets(), graph.retryPolicy(), graph.storeConfig(), graph.triggers()));
        return Wire.HEADER_LENGTH + e.encodedLength();
    }
}
