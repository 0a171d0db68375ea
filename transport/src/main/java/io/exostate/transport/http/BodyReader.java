package io.exostate.transport.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON request body into typed values with pydantic's lax rules (the ones FastAPI applies to Exosphere's
 * request models) and collects every failure as a FastAPI-shaped {@link ApiError}, in field order, instead of
 * stopping at the first. Each accessor returns null when the value failed (and records why); callers check
 * {@link #ok()} before using the results. One instance per request; not thread safe.
 * <p>
 * The rules: a string field takes only a JSON string; an integer field takes an integer, a float without fraction,
 * a boolean, or a string holding an integer; dicts and lists must be JSON objects and arrays; nested models must be
 * objects; enums must be one of their names.
 */
final class BodyReader
{
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private final List<ApiError> errors = new ArrayList<>();

    boolean ok()
    {
        return errors.isEmpty();
    }

    List<ApiError> errors()
    {
        return errors;
    }

    int errorCount()
    {
        return errors.size();
    }

    static List<Object> loc(final List<Object> parent, final Object element)
    {
        final List<Object> out = new ArrayList<>(parent.size() + 1);
        out.addAll(parent);
        out.add(element);
        return out;
    }

    void error(final List<Object> loc, final String type, final String msg, final JsonNode input)
    {
        errors.add(new ApiError(loc, type, msg, input, null));
    }

    void error(
        final List<Object> loc, final String type, final String msg, final JsonNode input, final Map<String, Object> ctx)
    {
        errors.add(new ApiError(loc, type, msg, input, ctx));
    }

    /** The body as an object; null (with an error) when it is absent or not an object. */
    ObjectNode root(final JsonNode body)
    {
        final List<Object> loc = List.of("body");
        if (body == null)
        {
            error(loc, "missing", "Field required", null);
            return null;
        }
        if (!body.isObject())
        {
            error(loc, "model_attributes_type", "Input should be a valid dictionary or object to extract fields from",
                body);
            return null;
        }
        return (ObjectNode)body;
    }

    /** A required field: its node, or null with a {@code missing} error. */
    JsonNode required(final ObjectNode obj, final List<Object> loc, final String field)
    {
        final JsonNode v = obj.get(field);
        if (v == null)
        {
            error(loc(loc, field), "missing", "Field required", obj);
        }
        return v;
    }

    String string(final JsonNode v, final List<Object> loc)
    {
        if (v.isTextual())
        {
            return v.textValue();
        }
        error(loc, "string_type", "Input should be a valid string", v);
        return null;
    }

    Long integer(final JsonNode v, final List<Object> loc)
    {
        if (v.isIntegralNumber())
        {
            final BigInteger b = v.bigIntegerValue();
            if (b.compareTo(LONG_MIN) < 0 || b.compareTo(LONG_MAX) > 0)
            {
                error(loc, "int_parsing_size", "Unable to parse input string as an integer, exceeded maximum size", v);
                return null;
            }
            return b.longValue();
        }
        if (v.isNumber())
        {
            final double d = v.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d))
            {
                error(loc, "finite_number", "Input should be a finite number", v);
                return null;
            }
            if (d != Math.rint(d))
            {
                error(loc, "int_from_float", "Input should be a valid integer, got a number with a fractional part", v);
                return null;
            }
            if (d < -9.223372036854776E18 || d >= 9.223372036854776E18)
            {
                error(loc, "int_parsing_size", "Unable to parse input string as an integer, exceeded maximum size", v);
                return null;
            }
            return (long)d;
        }
        if (v.isBoolean())
        {
            return v.booleanValue() ? 1L : 0L;
        }
        if (v.isTextual())
        {
            final Long parsed = parseIntegerText(v.textValue().strip());
            if (parsed == null)
            {
                error(loc, "int_parsing", "Input should be a valid integer, unable to parse string as an integer", v);
            }
            return parsed;
        }
        error(loc, "int_type", "Input should be a valid integer", v);
        return null;
    }

    private static Long parseIntegerText(final String s)
    {
        if (s.isEmpty())
        {
            return null;
        }
        try
        {
            return Long.parseLong(s);
        }
        catch (final NumberFormatException ex)
        {
            // not a plain integer: a decimal with a zero fraction ("5.0") is still one
        }
        try
        {
            final BigDecimal d = new BigDecimal(s);
            return d.stripTrailingZeros().scale() <= 0 ? d.longValueExact() : null;
        }
        catch (final NumberFormatException | ArithmeticException ex)
        {
            return null;
        }
    }

    /** A {@code dict[str, Any]} field. */
    ObjectNode dict(final JsonNode v, final List<Object> loc)
    {
        if (v.isObject())
        {
            return (ObjectNode)v;
        }
        error(loc, "dict_type", "Input should be a valid dictionary", v);
        return null;
    }

    /** A nested model field. */
    ObjectNode model(final JsonNode v, final List<Object> loc, final String className)
    {
        if (v.isObject())
        {
            return (ObjectNode)v;
        }
        final Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("class_name", className);
        error(loc, "model_type", "Input should be a valid dictionary or instance of " + className, v, ctx);
        return null;
    }

    ArrayNode list(final JsonNode v, final List<Object> loc)
    {
        if (v.isArray())
        {
            return (ArrayNode)v;
        }
        error(loc, "list_type", "Input should be a valid list", v);
        return null;
    }

    /** A {@code dict[str, str]}: every value must be a string. */
    Map<String, String> stringMap(final JsonNode v, final List<Object> loc)
    {
        final ObjectNode obj = dict(v, loc);
        if (obj == null)
        {
            return null;
        }
        final int before = errors.size();
        final Map<String, String> out = new LinkedHashMap<>();
        for (final Map.Entry<String, JsonNode> e : obj.properties())
        {
            final String s = string(e.getValue(), loc(loc, e.getKey()));
            if (s != null)
            {
                out.put(e.getKey(), s);
            }
        }
        return errors.size() == before ? out : null;
    }

    /** A {@code list[str]}. */
    List<String> stringList(final JsonNode v, final List<Object> loc)
    {
        final ArrayNode arr = list(v, loc);
        if (arr == null)
        {
            return null;
        }
        final int before = errors.size();
        final List<String> out = new ArrayList<>(arr.size());
        for (int i = 0; i < arr.size(); i++)
        {
            final String s = string(arr.get(i), loc(loc, i));
            if (s != null)
            {
                out.add(s);
            }
        }
        return errors.size() == before ? out : null;
    }

    /** One of {@code names}, pydantic's {@code enum} error otherwise. */
    String enumName(final JsonNode v, final List<Object> loc, final List<String> names)
    {
        if (v.isTextual() && names.contains(v.textValue()))
        {
            return v.textValue();
        }
        final String expected = expected(names);
        final Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("expected", expected);
        error(loc, "enum", "Input should be " + expected, v, ctx);
        return null;
    }

    /** {@code 'A', 'B' or 'C'}, as pydantic lists the members of an enum. */
    static String expected(final List<String> names)
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.size(); i++)
        {
            if (i > 0)
            {
                sb.append(i == names.size() - 1 ? " or " : ", ");
            }
            sb.append('\'').append(names.get(i)).append('\'');
        }
        return sb.toString();
    }

    /** A bound check on an integer that parsed: {@code greater_than} ({@code strict}) or {@code greater_than_equal}. */
    boolean atLeast(final long value, final long bound, final boolean strict, final List<Object> loc, final JsonNode in)
    {
        if (strict ? value > bound : value >= bound)
        {
            return true;
        }
        final Map<String, Object> ctx = new LinkedHashMap<>();
        if (strict)
        {
            ctx.put("gt", bound);
            error(loc, "greater_than", "Input should be greater than " + bound, in, ctx);
        }
        else
        {
            ctx.put("ge", bound);
            error(loc, "greater_than_equal", "Input should be greater than or equal to " + bound, in, ctx);
        }
        return false;
    }

    /** The node of a JSON document at a pydantic {@code loc} ({@code "body"} first), or null. */
    static JsonNode at(final JsonNode body, final List<Object> loc)
    {
        JsonNode node = body;
        for (int i = 1; i < loc.size() && node != null; i++)
        {
            final Object part = loc.get(i);
            if (part instanceof Integer index)
            {
                node = node.isArray() ? node.get(index) : null;
            }
            else
            {
                node = node.isObject() ? node.get(String.valueOf(part)) : null;
            }
        }
        return node;
    }
}
