package io.exostate.core.engine;


/**
 * The states handed out by one claim, in claim order (FIFO by enqueue_after, then creation).
 * <p>
 * <b>Flyweight:</b> the engine owns one instance and refills it on every claim, so a claim allocates nothing. Its
 * contents are valid until the next command applied to the engine; copy what you keep. Only the engine thread may
 * read it. Inputs are the engine's encoded maps ({@link Payloads}); never modify them.
 */
public final class ClaimReply
{
    private Rejection rejection;
    private int count;
    private long[] stateIds = new long[16];
    private long[] claimTokens = new long[16];
    private long[] createdAts = new long[16];
    private long[] leaseDeadlines = new long[16];
    private String[] nodeNames = new String[16];
    private String[] identifiers = new String[16];
    private String[] graphNames = new String[16];
    private String[] runIds = new String[16];
    private byte[][] inputs = new byte[16][];
    private int[] retryCounts = new int[16];

    void reset()
    {
        for (int i = 0; i < count; i++)
        {
            inputs[i] = null;
        }
        rejection = null;
        count = 0;
    }

    void reject(final Rejection rejection)
    {
        reset();
        this.rejection = rejection;
    }

    void add(
        final long stateId,
        final long claimToken,
        final long createdAt,
        final long leaseDeadline,
        final String nodeName,
        final String identifier,
        final String graphName,
        final String runId,
        final byte[] inputs,
        final int retryCount)
    {
        if (count == stateIds.length)
        {
            final int n = count * 2;
            stateIds = java.util.Arrays.copyOf(stateIds, n);
            claimTokens = java.util.Arrays.copyOf(claimTokens, n);
            createdAts = java.util.Arrays.copyOf(createdAts, n);
            leaseDeadlines = java.util.Arrays.copyOf(leaseDeadlines, n);
            nodeNames = java.util.Arrays.copyOf(nodeNames, n);
            identifiers = java.util.Arrays.copyOf(identifiers, n);
            graphNames = java.util.Arrays.copyOf(graphNames, n);
            runIds = java.util.Arrays.copyOf(runIds, n);
            this.inputs = java.util.Arrays.copyOf(this.inputs, n);
            retryCounts = java.util.Arrays.copyOf(retryCounts, n);
        }
        stateIds[count] = stateId;
        claimTokens[count] = claimToken;
        createdAts[count] = createdAt;
        leaseDeadlines[count] = leaseDeadline;
        nodeNames[count] = nodeName;
        identifiers[count] = identifier;
        graphNames[count] = graphName;
        runIds[count] = runId;
        this.inputs[count] = inputs;
        retryCounts[count] = retryCount;
        count++;
    }

    public boolean ok()
    {
        return rejection == null;
    }

    public Rejection rejection()
    {
        return rejection;
    }

    public int count()
    {
        return count;
    }

    public long stateId(final int i)
    {
        return stateIds[i];
    }

    public long claimToken(final int i)
    {
        return claimTokens[i];
    }

    public long createdAt(final int i)
    {
        return createdAts[i];
    }

    /** The lease deadline (ms), or 0 when the claim asked for no lease. */
    public long leaseDeadline(final int i)
    {
        return leaseDeadlines[i];
    }

    public String nodeName(final int i)
    {
        return nodeNames[i];
    }

    public String identifier(final int i)
    {
        return identifiers[i];
    }

    public String graphName(final int i)
    {
        return graphNames[i];
    }

    public String runId(final int i)
    {
        return runIds[i];
    }

    /** The resolved inputs, encoded as a {@link Payloads} map. */
    public byte[] inputs(final int i)
    {
        return inputs[i];
    }

    public int retryCount(final int i)
    {
        return retryCounts[i];
    }

    @Override
    public String toString()
    {
        if (rejection != null)
        {
            return "ClaimReply[" + rejection + "]";
        }
        final StringBuilder sb = new StringBuilder("ClaimReply[");
        for (int i = 0; i < count; i++)
        {
            sb.append(i == 0 ? "" : ", ").append(Ids.stateId(stateIds[i])).append('/').append(claimTokens[i])
                .append(' ').append(identifiers[i]).append(' ').append(Payloads.decodeMap(inputs[i]))
                .append(" lease=").append(leaseDeadlines[i]);
        }
        return sb.append(']').toString();
    }
}
