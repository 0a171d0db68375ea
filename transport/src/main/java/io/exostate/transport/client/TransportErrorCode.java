package io.exostate.transport.client;

/**
 * The codes of a {@code TransportError} message (template 403): session-level errors of the binary protocol, as
 * opposed to a {@code Rejected} reply, which is the engine refusing a command. {@link #BUSY} and {@link #NOT_LEADER}
 * answer one request and keep the connection; every other code closes it.
 * <p>
 * Codes are stable wire values and never reused.
 */
public enum TransportErrorCode
{
    /** The server's ingress is full: this one request was not queued. The client retries it with a backoff. */
    BUSY(1),
    /** This node is not the leader; the error carries the leader's {@code host:port} and the client follows it. */
    NOT_LEADER(2),
    /** The hello's API key is wrong. */
    AUTH_FAILED(3),
    /** A request arrived before the hello. */
    NOT_AUTHENTICATED(4),
    /** The frame could not be parsed. */
    MALFORMED_FRAME(5),
    /** The frame is longer than the server's maximum frame length. */
    FRAME_TOO_LARGE(6),
    /** The frame holds a message the server does not serve. */
    UNKNOWN_MESSAGE(7),
    /** The hello's protocol version or the message's schema version is not supported. */
    UNSUPPORTED_VERSION(8),
    /** A command names another namespace than the session's. */
    NAMESPACE_MISMATCH(9),
    /** The session sent nothing for longer than the idle timeout of the hello reply. */
    IDLE_TIMEOUT(10),
    /** The client did not read its replies fast enough. */
    SLOW_CONSUMER(11),
    /** The server is stopping. */
    SHUTTING_DOWN(12);

    private static final TransportErrorCode[] BY_CODE = new TransportErrorCode[16];

    static
    {
        for (final TransportErrorCode c : values())
        {
            BY_CODE[c.code] = c;
        }
    }

    private final int code;

    TransportErrorCode(final int code)
    {
        this.code = code;
    }

    /** The wire value (uint16). */
    public int code()
    {
        return code;
    }

    /** The code for a wire value, or null when this build does not know it. */
    public static TransportErrorCode fromCode(final int code)
    {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** True for the codes after which a request can be sent again and may succeed. */
    public boolean retriable()
    {
        return this == BUSY || this == NOT_LEADER || this == SHUTTING_DOWN || this == IDLE_TIMEOUT ||
            this == SLOW_CONSUMER;
    }
}
