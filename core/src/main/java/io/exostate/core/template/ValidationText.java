package io.exostate.core.template;

import java.util.List;
import java.util.Map;

/**
 * The few bits of Python text behaviour that Exosphere's error messages depend on: {@code str.strip()},
 * {@code repr()} of strings, lists, dicts and of the node template models, and lenient base64 decoding.
 * Stateless; every method allocates its result.
 */
public final class ValidationText
{
    private ValidationText()
    {
    }

    /**
     * Python's {@code str.strip()}: removes leading and trailing characters for which {@code str.isspace()} holds.
     * Differs from {@link String#strip()} on U+0085, U+00A0, U+2007 and U+202F, which Python strips and Java keeps.
     */
    static String strip(final String s)
    {
        int start = 0;
        int end = s.length();
        while (start < end && isPythonSpace(s.charAt(start)))
        {
            start++;
        }
        while (end > start && isPythonSpace(s.charAt(end - 1)))
        {
            end--;
        }
        return s.substring(start, end);
    }

    /** {@code str.isspace()} for one character (every Python whitespace character is in the BMP). */
    static boolean isPythonSpace(final char c)
    {
        switch (c)
        {
            case '\t', '\n', '\u000B', '\f', '\r', '\u001C', '\u001D', '\u001E', '\u001F', ' ', '\u0085', '\u00A0',
                '\u1680', '\u2028', '\u2029', '\u202F', '\u205F', '\u3000':
                return true;
            default:
                return c >= '\u2000' && c <= '\u200A';
        }
    }

    /**
     * Python's {@code repr(str)}: single quotes unless the text holds a single quote and no double quote. Public for
     * the HTTP edge, which renders non-string template inputs the way Exosphere's messages show them.
     */
    public static String repr(final String s)
    {
        final char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        final StringBuilder out = new StringBuilder(s.length() + 2);
        out.append(quote);
        int i = 0;
        while (i < s.length())
        {
            final int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\')
            {
                out.append('\\').appendCodePoint(cp);
            }
            else if (cp == '\t')
            {
                out.append("\\t");
            }
            else if (cp == '\n')
            {
                out.append("\\n");
            }
            else if (cp == '\r')
            {
                out.append("\\r");
            }
            else if (cp < ' ' || cp == 0x7F)
            {
                hex(out, "\\x", cp, 2);
            }
            else if (cp < 0x7F || isPrintable(cp))
            {
                out.appendCodePoint(cp);
            }
            else if (cp <= 0xFF)
            {
                hex(out, "\\x", cp, 2);
            }
            else if (cp <= 0xFFFF)
            {
                hex(out, "\\u", cp, 4);
            }
            else
            {
                hex(out, "\\U", cp, 8);
            }
        }
        return out.append(quote).toString();
    }

    /** {@code repr(list_of_str)}, e.g. {@code ['a', 'b']}; an empty list is {@code []}. */
    static String reprList(final List<String> items)
    {
        final StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < items.size(); i++)
        {
            if (i > 0)
            {
                out.append(", ");
            }
            out.append(repr(items.get(i)));
        }
        return out.append(']').toString();
    }

    /** {@code repr(dict[str, list[str]])} in the map's iteration order, e.g. {@code {'t': ['u']}}. */
    static String reprDictOfLists(final Map<String, List<String>> map)
    {
        final StringBuilder out = new StringBuilder("{");
        boolean first = true;
        for (final Map.Entry<String, List<String>> e : map.entrySet())
        {
            if (!first)
            {
                out.append(", ");
            }
            first = false;
            out.append(repr(e.getKey())).append(": ").append(reprList(e.getValue()));
        }
        return out.append('}').toString();
    }

    /**
     * The repr of Exosphere's pydantic {@code NodeTemplate}, e.g.
     * {@code NodeTemplate(node_name='N', namespace='ns', identifier='a', inputs={'x': 'v'}, next_nodes=['b'],
     * unites=None)}. A non-string input shows its {@link TemplateInput#value()} display text as it is.
     */
    static String reprNode(final NodeTemplateSpec node)
    {
        final StringBuilder out = new StringBuilder("NodeTemplate(node_name=");
        out.append(repr(node.nodeName()))
            .append(", namespace=").append(repr(node.namespace()))
            .append(", identifier=").append(repr(node.identifier()))
            .append(", inputs={");
        final List<TemplateInput> inputs = node.inputs();
        for (int i = 0; i < inputs.size(); i++)
        {
            final TemplateInput input = inputs.get(i);
            if (i > 0)
            {
                out.append(", ");
            }
            out.append(repr(input.key())).append(": ").append(input.isString() ? repr(input.value()) : input.value());
        }
        out.append("}, next_nodes=").append(node.nextNodes() == null ? "None" : reprList(node.nextNodes()));
        out.append(", unites=");
        final UnitesSpec unites = node.unites();
        if (unites == null)
        {
            out.append("None");
        }
        else
        {
            final String strategy = unites.strategy().name();
            out.append("Unites(identifier=").append(repr(unites.identifier()))
                .append(", strategy=<UnitesStrategyEnum.").append(strategy)
                .append(": '").append(strategy).append("'>)");
        }
        return out.append(')').toString();
    }

    /** {@code repr(list_of_node_templates)}. */
    static String reprNodes(final List<NodeTemplateSpec> nodes)
    {
        final StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < nodes.size(); i++)
        {
            if (i > 0)
            {
                out.append(", ");
            }
            out.append(reprNode(nodes.get(i)));
        }
        return out.append(']').toString();
    }

    /**
     * The number of bytes Python's lenient {@code base64.urlsafe_b64decode} yields, or -1 where it raises: characters
     * outside the alphabet are skipped, decoding stops at complete padding, an incomplete final quantum is an error.
     */
    static int urlSafeBase64DecodedLength(final String value)
    {
        int quadPos = 0;
        int pads = 0;
        int length = 0;
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c == '=')
            {
                pads++;
                if (quadPos >= 2 && quadPos + pads >= 4)
                {
                    return length;
                }
                continue;
            }
            if (!isBase64Char(c))
            {
                continue;
            }
            pads = 0;
            if (quadPos > 0)
            {
                length++;
            }
            quadPos = (quadPos + 1) & 3;
        }
        return quadPos == 0 ? length : -1;
    }

    private static boolean isBase64Char(final char c)
    {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '+' || c == '/';
    }

    /** Python's {@code str.isprintable()} for one code point, from Java's Unicode categories. */
    private static boolean isPrintable(final int cp)
    {
        switch (Character.getType(cp))
        {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR:
                return cp == ' ';
            default:
                return true;
        }
    }

    private static void hex(final StringBuilder out, final String prefix, final int cp, final int digits)
    {
        final String hex = Integer.toHexString(cp);
        out.append(prefix);
        for (int i = hex.length(); i < digits; i++)
        {
            out.append('0');
        }
        out.append(hex);
    }
}
