package io.exostate.raft;

import io.exostate.core.codec.CommandEncoder;
import io.exostate.core.codec.QueryEncoder;
import io.exostate.core.engine.Payloads;
import io.exostate.core.model.FieldKind;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.SchemaField;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;
import java.util.Map;

/** Encodes the commands and queries of the cluster tests into fresh byte arrays. Not thread safe. */
final class Commands
{
    static final String NS = "ns";
    static final String NODE = "Work";
    static final String GRAPH = "g";
    private static final byte[] OUTPUTS = Payloads.encodeList(List.of(Map.of("y", "done")));

    private final CommandEncoder commands = new CommandEncoder();
    private final QueryEncoder queries = new QueryEncoder();
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(4096);

    byte[] register()
    {
        final NodeRegistration reg = new NodeRegistration(NODE, List.of(new SchemaField("x", FieldKind.STRING)),
            List.of(new SchemaField("y", FieldKind.STRING)), List.of(), "{}", "{}");
        return copy(commands.registerNodes(out, 0, NS, "rt", List.of(reg)));
    }

    byte[] upsert()
    {
        final GraphSpec g = new GraphSpec(NS, GRAPH, List.of(new NodeTemplateSpec(NODE, NS, "work",
            List.of(TemplateInput.of("x", "${{ store.x }}")), null, null)), Map.of(), RetryPolicySpec.DEFAULT,
            new StoreConfigSpec(List.of(), Map.of("x", "default")), List.of());
        return copy(commands.upsertGraph(out, 0, g));
    }

    byte[] trigger(final String runId)
    {
        return copy(commands.trigger(out, 0, NS, GRAPH, runId, Map.of(), Map.of("x", "v-" + runId), 0));
    }

    byte[] claim(final int max, final long leaseMs)
    {
        return copy(commands.claim(out, 0, NS, new String[]{NODE}, 1, max, leaseMs));
    }

    /** A long-poll claim: the leader parks it up to {@code waitMs} when nothing is ready. */
    byte[] claimWaiting(final int max, final long leaseMs, final long waitMs)
    {
        return copy(commands.claim(out, 0, NS, new String[]{NODE}, 1, max, leaseMs, waitMs));
    }

    byte[] executed(final long stateId, final long claimToken)
    {
        return copy(commands.executed(out, 0, NS, stateId, claimToken, new UnsafeBuffer(OUTPUTS), 0, OUTPUTS.length));
    }

    byte[] listRuns(final int size)
    {
        return copy(queries.listRuns(out, 0, NS, 1, size));
    }

    private byte[] copy(final int length)
    {
        final byte[] bytes = new byte[length];
        out.getBytes(0, bytes);
        return bytes;
    }
}
