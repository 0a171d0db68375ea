package io.exostate.transport.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.exostate.core.model.FieldKind;
import io.exostate.core.template.SchemaField;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a node registration's JSON Schema the way Exosphere's schema-to-model conversion does (SPEC §1.2): one
 * {@link SchemaField} per entry of {@code properties}, in order.
 * <ul>
 *     <li>{@link FieldKind#STRING}: {@code "type":"string"} with no {@code format}, the {@code email} format or a
 *     format other than {@code date-time}, {@code uri} and {@code uuid};</li>
 *     <li>{@link FieldKind#NOT_STRING}: any {@code enum}, {@code const}, {@code anyOf}, {@code oneOf}, {@code allOf}
 *     or {@code $ref}; a type list; the {@code date-time}, {@code uri} and {@code uuid} formats; any other type;</li>
 *     <li>{@link FieldKind#UNTYPED}: none of the above keys and no {@code type} at all (Exosphere's conversion throws
 *     on it, so the engine reports it the same way).</li>
 * </ul>
 * A schema without {@code properties} (or with a {@code properties} that is not an object) has no fields.
 * Stateless; thread safe.
 */
final class SchemaFields
{
    private static final String[] COMPOSITE_KEYS = {"enum", "const", "anyOf", "oneOf", "allOf", "$ref"};

    private SchemaFields()
    {
    }

    static List<SchemaField> parse(final JsonNode schema)
    {
        final List<SchemaField> fields = new ArrayList<>();
        final JsonNode properties = schema == null ? null : schema.get("properties");
        if (properties == null || !properties.isObject())
        {
            return fields;
        }
        for (final Map.Entry<String, JsonNode> e : properties.properties())
        {
            fields.add(new SchemaField(e.getKey(), kindOf(e.getValue())));
        }
        return fields;
    }

    static FieldKind kindOf(final JsonNode property)
    {
        if (property == null || !property.isObject())
        {
            return FieldKind.UNTYPED;
        }
        for (final String key : COMPOSITE_KEYS)
        {
            if (property.has(key))
            {
                return FieldKind.NOT_STRING;
            }
        }
        final JsonNode type = property.get("type");
        if (type == null)
        {
            return FieldKind.UNTYPED;
        }
        if (!type.isTextual() || !"string".equals(type.textValue()))
        {
            return FieldKind.NOT_STRING;
        }
        final JsonNode format = property.get("format");
        if (format == null || !format.isTextual())
        {
            return FieldKind.STRING;
        }
        switch (format.textValue())
        {
            case "date-time":
            case "uri":
            case "uuid":
                return FieldKind.NOT_STRING;
            default:
                return FieldKind.STRING;
        }
    }
}
