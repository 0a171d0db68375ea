package io.exostate.transport.client;

import io.exostate.core.model.FieldKind;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.SchemaField;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds a node's registration the way Exosphere's Python runtime does: each of Inputs and Outputs becomes the JSON
 * schema Pydantic's {@code model_json_schema()} gives for a model whose fields are all {@code str}, rendered with
 * Python's {@code json.dumps} separators, for example
 * <pre>
 * {"properties": {"user_id": {"title": "User Id", "type": "string"}}, "required": ["user_id"], "title": "Inputs",
 *  "type": "object"}
 * </pre>
 * and the parsed fields are all {@link FieldKind#STRING}. Stateless.
 */
final class NodeSchemas
{
    private NodeSchemas()
    {
    }

    static NodeRegistration registration(final Node node)
    {
        final String name = node.name();
        if (name == null || name.isBlank())
        {
            throw new IllegalArgumentException("Expected a node name, but got '" + name + "'");
        }
        final List<String> inputs = checkNames(name, "input", node.inputNames());
        final List<String> outputs = checkNames(name, "output", node.outputNames());
        final List<String> secrets = checkNames(name, "secret", node.secretNames());
        return new NodeRegistration(
            name, fields(inputs), fields(outputs), secrets, schema("Inputs", inputs), schema("Outputs", outputs));
    }

    static List<String> checkNames(final String node, final String what, final List<String> names)
    {
        if (names == null)
        {
            throw new IllegalArgumentException("Expected the " + what + " names of node " + node + ", but got null");
        }
        final Set<String> seen = new HashSet<>();
        for (final String n : names)
        {
            if (n == null || n.isEmpty())
            {
                throw new IllegalArgumentException(
                    "Expected non-empty " + what + " names for node " + node + ", but got '" + n + "'");
            }
            if (!seen.add(n))
            {
                throw new IllegalArgumentException(
                    "Expected unique " + what + " names for node " + node + ", but '" + n + "' appears twice");
            }
        }
        return List.copyOf(names);
    }

    static List<SchemaField> fields(final List<String> names)
    {
        final List<SchemaField> out = new ArrayList<>(names.size());
        for (final String n : names)
        {
            out.add(new SchemaField(n, FieldKind.STRING));
        }
        return out;
    }

    /** Pydantic v2's schema of a model named {@code title} whose fields are all required {@code str}. */
    static String schema(final String title, final List<String> names)
    {
        final StringBuilder b = new StringBuilder(64 + names.size() * 48);
        b.append("{\"properties\": {");
        for (int i = 0; i < names.size(); i++)
        {
            if (i > 0)
            {
                b.append(", ");
            }
            final String n = names.get(i);
            quote(b, n);
            b.append(": {\"title\": ");
            quote(b, fieldTitle(n));
            b.append(", \"type\": \"string\"}");
        }
        b.append('}');
        if (!names.isEmpty())
        {
            b.append(", \"required\": [");
            for (int i = 0; i < names.size(); i++)
            {
                if (i > 0)
                {
                    b.append(", ");
                }
                quote(b, names.get(i));
            }
            b.append(']');
        }
        b.append(", \"title\": ");
        quote(b, title);
        b.append(", \"type\": \"object\"}");
        return b.toString();
    }

    /** Pydantic's default field title: Python's {@code name.title().replace('_', ' ')}. */
    static String fieldTitle(final String name)
    {
        final StringBuilder b = new StringBuilder(name.length());
        boolean previousCased = false;
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            final boolean cased = Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
            final char titled = cased ? (previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c)) : c;
            b.append(titled == '_' ? ' ' : titled);
            previousCased = cased;
        }
        return b.toString();
    }

    /** Appends a JSON string literal the way Python's {@code json.dumps} does (ASCII only, \\uXXXX escapes). */
    static void quote(final StringBuilder b, final String s)
    {
        b.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                case '\b':
                    b.append("\\b");
                    break;
                case '\f':
                    b.append("\\f");
                    break;
                default:
                    if (c < 0x20 || c > 0x7e)
                    {
                        b.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }
}
