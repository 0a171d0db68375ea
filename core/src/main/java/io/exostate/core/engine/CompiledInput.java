package io.exostate.core.engine;

import io.exostate.core.template.DependentString;
import io.exostate.core.template.TemplateSyntaxException;

/**
 * One template input parsed once, at upsert, into a resolution plan (SPEC §3.1): UTF-8 head and tails, and per
 * placeholder either a store key or (node index, output field). Resolving it copies bytes only.
 */
final class CompiledInput
{
    static final int STORE = -2;
    static final int UNKNOWN_NODE = -1;

    final String key;
    final byte[] keyUtf8;
    final String text;
    final byte[] headUtf8;
    final int[] partNode;
    final String[] partIdentifier;
    final String[] partField;
    final byte[][] partFieldUtf8;
    final byte[][] tailUtf8;

    CompiledInput(final String key, final String text, final DependentString ds, final java.util.Map<String, Integer> indexOf)
    {
        this.key = key;
        this.keyUtf8 = Payloads.utf8(key);
        this.text = text;
        this.headUtf8 = Payloads.utf8(ds.head());
        final int n = ds.partCount();
        partNode = new int[n];
        partIdentifier = new String[n];
        partField = new String[n];
        partFieldUtf8 = new byte[n][];
        tailUtf8 = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            partIdentifier[i] = ds.identifier(i);
            partField[i] = ds.field(i);
            partFieldUtf8[i] = Payloads.utf8(ds.field(i));
            tailUtf8[i] = Payloads.utf8(ds.tail(i));
            if (ds.isStore(i))
            {
                partNode[i] = STORE;
            }
            else
            {
                final Integer idx = indexOf.get(ds.identifier(i));
                partNode[i] = idx == null ? UNKNOWN_NODE : idx;
            }
        }
    }

    static CompiledInput compile(final String key, final String text, final java.util.Map<String, Integer> indexOf)
        throws TemplateSyntaxException
    {
        return new CompiledInput(key, text, DependentString.parse(text), indexOf);
    }

    int partCount()
    {
        return partNode.length;
    }
}
