package io.exostate.core.codec;

import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.exostate.core.codec.Fixtures.UNICODE;
import static org.assertj.core.api.Assertions.assertThat;

/** Every read query: encode, decode, compare; and what a bad query decodes to. */
class QueryCodecTest
{
    private static final int OFFSET = 3;

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
    private final QueryEncoder encoder = new QueryEncoder();
    private final QueryDecoder decoder = new QueryDecoder();

    @Test
    void shouldRoundTripEveryQuery()
    {
        final List<Query> queries = List.of(
            new Query.ListNamespaces(),
            new Query.ListNodes("ns" + UNICODE),
            new Query.GetGraph("ns", "g"),
            new Query.ListGraphs(""),
            new Query.ListRuns("ns", 2, 50),
            new Query.ListRuns("ns", 0, -1),
            new Query.GetRunGraph("ns", "run-1"),
            new Query.GetNodeDetails("ns", "g", "run-1", "not-an-id"),
            new Query.GetStateSecrets("ns", 0x1234));
        for (final Query query : queries)
        {
            final int length = encoder.encode(buffer, OFFSET, query);
            assertThat(decoder.decode(buffer, OFFSET, length)).isEqualTo(query);
        }
    }

    @Test
    void shouldDecodeACommandAsAnInvalidQuery()
    {
        final int length = new CommandEncoder().tick(buffer, OFFSET);

        final Query query = decoder.decode(buffer, OFFSET, length);

        assertThat(query).isInstanceOf(Query.Invalid.class);
        assertThat(((Query.Invalid)query).error().kind()).isEqualTo(DecodeError.Kind.UNKNOWN_TEMPLATE);
    }

    @Test
    void shouldDecodeEveryTruncationAsAnInvalidQuery()
    {
        final int length = encoder.getNodeDetails(buffer, OFFSET, "ns", "g", "r", "n");
        for (int cut = 0; cut < length; cut++)
        {
            final Query query = decoder.decode(buffer, OFFSET, cut);
            assertThat(query).as("cut at %d", cut).isInstanceOf(Query.Invalid.class);
            assertThat(((Query.Invalid)query).error().kind()).isEqualTo(DecodeError.Kind.TRUNCATED);
        }
    }

    @Test
    void shouldRefuseTrailingBytes()
    {
        final int length = encoder.listNodes(buffer, OFFSET, "ns");

        final Query query = decoder.decode(buffer, OFFSET, length + 1);

        assertThat(((Query.Invalid)query).error().kind()).isEqualTo(DecodeError.Kind.MALFORMED);
    }
}
