package io.exostate.transport.client;

/**
 * Thrown by {@link Node#execute} to end this branch of the run: the runtime reports the state {@code PRUNED} with
 * {@code dataJson}, no next states are created, and the run counts the state as a success (SPEC §6.1).
 * <p>
 * A control-flow signal: it carries no stack trace.
 */
public final class PruneSignal extends Exception
{
    private static final long serialVersionUID = 1L;

    private final String dataJson;

    /** Prunes with empty data, {@code {}}. */
    public PruneSignal()
    {
        this("{}");
    }

    /**
     * Prunes with {@code dataJson}, a JSON object as text ({@code {"reason":"duplicate"}}). The server stores it as it
     * is; only its shape (an object) is checked here.
     *
     * @throws IllegalArgumentException when the text is null or not a JSON object.
     */
    public PruneSignal(final String dataJson)
    {
        super("prune " + dataJson, null, false, false);
        if (dataJson == null)
        {
            throw new IllegalArgumentException("Expected prune data as a JSON object, but got null");
        }
        final String trimmed = dataJson.strip();
        if (!trimmed.startsWith("{") || !trimmed.endsWith("}"))
        {
            throw new IllegalArgumentException("Expected prune data as a JSON object, but got: " + dataJson);
        }
        this.dataJson = trimmed;
    }

    /** The prune data, a JSON object as text. */
    public String dataJson()
    {
        return dataJson;
    }
}
