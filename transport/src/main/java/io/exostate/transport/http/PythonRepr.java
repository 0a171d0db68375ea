package io.exostate.transport.http;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Python's {@code repr()} of a JSON value as {@code json.loads} would build it, for the texts Exosphere renders from
 * request values (a non-string template input shows as {@code Input 5 is not a string}, a dict as
 * {@code {'a': 1}}). Stateless; thread safe.
 */
final class PythonRepr
{
    private PythonRepr()
    {
    }

    static String repr(final JsonNode node)
    {
        final StringBuilder out = new StringBuilder();
        append(out, node);
        return out.toString();
    }

    private static void append(final StringBuilder out, final JsonNode node)
    {
        if (node == null || node.isNull() || node.isMissingNode())
        {
            out.append("None");
        }
        else if (node.isBoolean())
        {
            out.append(node.booleanValue() ? "True" : "False");
        }
        else if (node.isIntegralNumber())
        {
            out.append(node.bigIntegerValue());
        }
        else if (node.isNumber())
        {
            out.append(floatRepr(node.doubleValue()));
        }
        else if (node.isTextual())
        {
            out.append(stringRepr(node.textValue()));
        }
        else if (node.isArray())
        {
            out.append('[');
            for (int i = 0; i < node.size(); i++)
            {
                if (i > 0)
                {
                    out.append(", ");
                }
                append(out, node.get(i));
            }
            out.append(']');
        }
        else if (node.isObject())
        {
            out.append('{');
            boolean first = true;
            for (final Map.Entry<String, JsonNode> e : node.properties())
            {
                if (!first)
                {
                    out.append(", ");
                }
                first = false;
                out.append(stringRepr(e.getKey())).append(": ");
                append(out, e.getValue());
            }
            out.append('}');
        }
        else
        {
            out.append(node.asText());
        }
    }

    /** {@code repr(float)}: the shortest round-trip digits, fixed notation for exponents in [-4, 16), else e-notation. */
    static String floatRepr(final double d)
    {
        if (Double.isNaN(d))
        {
            return "nan";
        }
        if (Double.isInfinite(d))
        {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0)
        {
            return (1 / d) < 0 ? "-0.0" : "0.0";
        }
        final BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        final String digits = bd.unscaledValue().toString();
        final int n = digits.length();
        final int decpt = n - bd.scale();
        final StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
        if (decpt <= -4 || decpt > 16)
        {
            out.append(digits.charAt(0));
            if (n > 1)
            {
                out.append('.').append(digits, 1, n);
            }
            final int exp = decpt - 1;
            out.append('e').append(exp < 0 ? '-' : '+');
            final int abs = Math.abs(exp);
            if (abs < 10)
            {
                out.append('0');
            }
            out.append(abs);
        }
        else if (decpt <= 0)
        {
            out.append("0.");
            for (int i = 0; i < -decpt; i++)
            {
                out.append('0');
            }
            out.append(digits);
        }
        else if (decpt < n)
        {
            out.append(digits, 0, decpt).append('.').append(digits, decpt, n);
        }
        else
        {
            out.append(digits);
            for (int i = n; i < decpt; i++)
            {
                out.append('0');
            }
            out.append(".0");
        }
        return out.toString();
    }

    /** {@code repr(str)}: the same rendering the validation messages use. */
    static String stringRepr(final String s)
    {
        return io.exostate.core.template.ValidationText.repr(s);
    }
}
