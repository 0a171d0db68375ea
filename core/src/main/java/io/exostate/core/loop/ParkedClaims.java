package io.exostate.core.loop;

import io.exostate.core.codec.sbe.ClaimDecoder;
import io.exostate.core.codec.sbe.ClaimReplyDecoder;
import io.exostate.core.codec.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Long-poll claims parked by an engine host, outside the engine (the engine ignores {@code waitMs}): a claim with
 * {@code waitMs > 0} that was answered with no states is kept here with the command bytes and its deadline. When the
 * engine reports work ready for one of its node names the host issues the same bytes again as a new command; when
 * the deadline passes the host answers it with an empty claim; when its session closes it is dropped.
 * <p>
 * Parked claims are few (one per idle runtime), so a list scanned in full is the right structure. Host's agent
 * thread only.
 */
public final class ParkedClaims
{
    /** One parked claim: who waits, until when, and the command to issue again. */
    public static final class Parked
    {
        public final long sessionId;
        public final long correlationId;
        /** Host clock time at which it is answered empty. */
        public final long deadline;
        final String namespace;
        final String[] nodeNames;
        private final byte[] command;
        /** The host's own mark (the Raft gateway keeps the log index of the empty answer here). */
        public long mark;

        Parked(final long sessionId, final long correlationId, final long deadline, final String namespace,
            final String[] nodeNames, final byte[] command)
        {
            this.sessionId = sessionId;
            this.correlationId = correlationId;
            this.deadline = deadline;
            this.namespace = namespace;
            this.nodeNames = nodeNames;
            this.command = command;
        }

        /** The claim command, message header included; do not modify. */
        public byte[] command()
        {
            return command;
        }

        public String namespace()
        {
            return namespace;
        }

        /** The node names it claims for; do not modify. */
        public String[] nodeNames()
        {
            return nodeNames;
        }

        boolean wants(final String ns, final String node)
        {
            if (!namespace.equals(ns))
            {
                return false;
            }
            for (final String n : nodeNames)
            {
                if (n.equals(node))
                {
                    return true;
                }
            }
            return false;
        }
    }

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final ClaimDecoder claim = new ClaimDecoder();
    private final ClaimReplyDecoder claimReply = new ClaimReplyDecoder();
    private final ArrayList<Parked> parked = new ArrayList<>();

    /** The {@code waitMs} of a {@code Claim} command, or 0 when the message is not a claim. */
    public long waitMs(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH + ClaimDecoder.BLOCK_LENGTH)
        {
            return 0;
        }
        header.wrap(buffer, offset);
        if (header.templateId() != ClaimDecoder.TEMPLATE_ID || header.schemaId() != ClaimDecoder.SCHEMA_ID)
        {
            return 0;
        }
        claim.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        return claim.waitMs();
    }

    /** True when the reply is a {@code ClaimReply} with no states. */
    public boolean isEmptyClaimReply(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return false;
        }
        header.wrap(buffer, offset);
        if (header.templateId() != ClaimReplyDecoder.TEMPLATE_ID || header.schemaId() != ClaimReplyDecoder.SCHEMA_ID)
        {
            return false;
        }
        claimReply.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        return claimReply.states().count() == 0;
    }

    /** Parks a claim command (copied) until {@code deadline}. */
    public Parked park(final long sessionId, final long correlationId, final long deadline, final DirectBuffer buffer,
        final int offset, final int length)
    {
        header.wrap(buffer, offset);
        claim.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final List<String> names = new ArrayList<>();
        final ClaimDecoder.NodeNamesDecoder group = claim.nodeNames();
        while (group.hasNext())
        {
            group.next();
            names.add(group.nodeName());
        }
        final String namespace = claim.namespaceName();
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        final Parked p = new Parked(sessionId, correlationId, deadline, namespace, names.toArray(new String[0]), bytes);
        parked.add(p);
        return p;
    }

    /** Parks again a claim that was issued again and still found nothing; it keeps its first deadline. */
    public void repark(final Parked p)
    {
        parked.add(p);
    }

    /**
     * Removes and hands to {@code reissue} every parked claim that wants one of the (namespace, node name) pairs in
     * {@code readyPairs} (flattened: namespace, node, namespace, node, ...). Returns how many.
     */
    public int takeWanting(final List<String> readyPairs, final Consumer<Parked> reissue)
    {
        if (readyPairs.isEmpty() || parked.isEmpty())
        {
            return 0;
        }
        // Oldest first: the claim that waited longest gets the first chance at the work.
        int taken = 0;
        int p = 0;
        while (p < parked.size())
        {
            final Parked c = parked.get(p);
            boolean wanted = false;
            for (int r = 0; r < readyPairs.size() && !wanted; r += 2)
            {
                wanted = c.wants(readyPairs.get(r), readyPairs.get(r + 1));
            }
            if (wanted)
            {
                parked.remove(p);
                reissue.accept(c);
                taken++;
            }
            else
            {
                p++;
            }
        }
        return taken;
    }

    /** Removes and hands to {@code take} every parked claim that {@code test} accepts, oldest first. */
    public int takeIf(final Predicate<Parked> test, final Consumer<Parked> take)
    {
        int taken = 0;
        int p = 0;
        while (p < parked.size())
        {
            final Parked c = parked.get(p);
            if (test.test(c))
            {
                parked.remove(p);
                take.accept(c);
                taken++;
            }
            else
            {
                p++;
            }
        }
        return taken;
    }

    /** Removes and hands to {@code answer} every parked claim whose deadline is at or before {@code now}. */
    public int expire(final long now, final Consumer<Parked> answer)
    {
        int expired = 0;
        int p = 0;
        while (p < parked.size())
        {
            final Parked c = parked.get(p);
            if (c.deadline <= now)
            {
                parked.remove(p);
                answer.accept(c);
                expired++;
            }
            else
            {
                p++;
            }
        }
        return expired;
    }

    /** Removes and hands to {@code answer} every parked claim (a host that stops serving). */
    public int releaseAll(final Consumer<Parked> answer)
    {
        final int n = parked.size();
        for (int p = 0; p < n; p++)
        {
            answer.accept(parked.get(p));
        }
        parked.clear();
        return n;
    }

    /** Drops the claims of a closed session. */
    public void dropSession(final long sessionId)
    {
        parked.removeIf(c -> c.sessionId == sessionId);
    }

    public boolean isEmpty()
    {
        return parked.isEmpty();
    }

    public int size()
    {
        return parked.size();
    }
}
