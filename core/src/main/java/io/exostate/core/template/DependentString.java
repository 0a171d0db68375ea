package io.exostate.core.template;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An input template parsed into literal text and placeholders (SPEC §3.1): {@code head}, then for each placeholder
 * an (identifier, field) pair followed by its literal {@code tail}. The rendered value is
 * {@code head + value(0) + tail(0) + value(1) + tail(1) + ...}.
 * <p>
 * A placeholder is either an output dependency <code>${{ X.outputs.f }}</code> (identifier {@code X}, field
 * {@code f}) or a store key <code>${{ store.k }}</code> (identifier {@link #STORE}, field {@code k}). Exosphere's
 * quirks are kept: <code>${{ store.outputs.k }}</code> is the store key {@code k}, <code>${{ .outputs.x }}</code>
 * has an empty identifier, a tail may contain <code>}}</code>, and there is no escape syntax.
 * <p>
 * Immutable and safe to share between threads. Parsing allocates; it is meant for template compilation, not for a
 * hot path.
 */
public final class DependentString
{
    /** The identifier of every store-key placeholder. */
    public static final String STORE = "store";

    private static final String OPEN = "${{";
    private static final String CLOSE = "}}";
    private static final String OUTPUTS = "outputs";

    /** One placeholder and the literal text that follows it. */
    public record Part(String identifier, String field, String tail)
    {
        public Part
        {
            Objects.requireNonNull(identifier, "identifier");
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(tail, "tail");
        }

        /** True for a store-key placeholder ({@code identifier} is exactly {@code store}). */
        public boolean isStore()
        {
            return STORE.equals(identifier);
        }
    }

    /** A distinct (identifier, field) pair that a template depends on. */
    public record Dependency(String identifier, String field)
    {
        /** True for a store key. */
        public boolean isStore()
        {
            return STORE.equals(identifier);
        }
    }

    private final String head;
    private final List<Part> parts;

    private DependentString(final String head, final List<Part> parts)
    {
        this.head = head;
        this.parts = parts;
    }

    /**
     * Parse an input value.
     *
     * @param value the template text, never null.
     * @return the parsed template; a value without <code>${{</code> is a literal with no parts.
     * @throws TemplateSyntaxException with Exosphere's message when a placeholder is not closed
     *     (<code>Invalid syntax string placeholder &lt;piece&gt; for: &lt;value&gt; '${{' not closed</code>) or its
     *     content is neither {@code X.outputs.f} nor {@code store.k}
     *     (<code>Invalid syntax string placeholder &lt;content&gt; for: &lt;value&gt;</code>); the content is quoted
     *     as written, untrimmed.
     */
    public static DependentString parse(final String value) throws TemplateSyntaxException
    {
        Objects.requireNonNull(value, "value");
        final List<String> pieces = splitOnOpen(value);
        if (pieces.size() == 1)
        {
            return new DependentString(value, List.of());
        }

        final List<Part> parts = new ArrayList<>(pieces.size() - 1);
        for (int i = 1; i < pieces.size(); i++)
        {
            final String piece = pieces.get(i);
            final int close = piece.indexOf(CLOSE);
            if (close < 0)
            {
                throw new TemplateSyntaxException(
                    "Invalid syntax string placeholder " + piece + " for: " + value + " '" + OPEN + "' not closed");
            }
            final String content = piece.substring(0, close);
            final String tail = piece.substring(close + CLOSE.length());
            parts.add(parsePlaceholder(content, tail, value));
        }

        return new DependentString(pieces.get(0), Collections.unmodifiableList(parts));
    }

    /** The literal text before the first placeholder (the whole value for a literal). */
    public String head()
    {
        return head;
    }

    /** The placeholders in the order they appear. */
    public List<Part> parts()
    {
        return parts;
    }

    /** Number of placeholders. */
    public int partCount()
    {
        return parts.size();
    }

    public String identifier(final int i)
    {
        return parts.get(i).identifier();
    }

    public String field(final int i)
    {
        return parts.get(i).field();
    }

    public String tail(final int i)
    {
        return parts.get(i).tail();
    }

    public boolean isStore(final int i)
    {
        return parts.get(i).isStore();
    }

    /** True when the value has no placeholder at all. */
    public boolean isLiteral()
    {
        return parts.isEmpty();
    }

    /**
     * The distinct (identifier, field) pairs in order of first appearance, as Exosphere's
     * {@code get_identifier_field()} lists them: a pair used twice in one value appears once.
     */
    public List<Dependency> dependencies()
    {
        final List<Dependency> result = new ArrayList<>(parts.size());
        for (final Part part : parts)
        {
            final Dependency dependency = new Dependency(part.identifier(), part.field());
            if (!result.contains(dependency))
            {
                result.add(dependency);
            }
        }
        return result;
    }

    /** The distinct store keys in order of first appearance. */
    public List<String> storeKeys()
    {
        final List<String> keys = new ArrayList<>();
        for (final Part part : parts)
        {
            if (part.isStore() && !keys.contains(part.field()))
            {
                keys.add(part.field());
            }
        }
        return keys;
    }

    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof DependentString))
        {
            return false;
        }
        final DependentString that = (DependentString)o;
        return head.equals(that.head) && parts.equals(that.parts);
    }

    public int hashCode()
    {
        return 31 * head.hashCode() + parts.hashCode();
    }

    public String toString()
    {
        return "DependentString{head=" + head + ", parts=" + parts + "}";
    }

    private static Part parsePlaceholder(final String content, final String tail, final String value)
        throws TemplateSyntaxException
    {
        final List<String> fields = splitOnDot(content);
        if (fields.size() == 3 && OUTPUTS.equals(fields.get(1)))
        {
            // "store.outputs.k" lands here with identifier "store": Exosphere treats it as the store key k.
            return new Part(fields.get(0), fields.get(2), tail);
        }
        if (fields.size() == 2 && STORE.equals(fields.get(0)))
        {
            return new Part(STORE, fields.get(1), tail);
        }
        throw new TemplateSyntaxException("Invalid syntax string placeholder " + content + " for: " + value);
    }

    /** Python's <code>str.split("${{")</code>: every occurrence splits, empty pieces are kept (unlike String.split). */
    private static List<String> splitOnOpen(final String value)
    {
        final List<String> pieces = new ArrayList<>();
        int from = 0;
        int at;
        while ((at = value.indexOf(OPEN, from)) >= 0)
        {
            pieces.add(value.substring(from, at));
            from = at + OPEN.length();
        }
        pieces.add(value.substring(from));
        return pieces;
    }

    /** Python's {@code [p.strip() for p in content.split(".")]}. */
    private static List<String> splitOnDot(final String content)
    {
        final List<String> fields = new ArrayList<>();
        int from = 0;
        int at;
        while ((at = content.indexOf('.', from)) >= 0)
        {
            fields.add(ValidationText.strip(content.substring(from, at)));
            from = at + 1;
        }
        fields.add(ValidationText.strip(content.substring(from)));
        return fields;
    }
}
