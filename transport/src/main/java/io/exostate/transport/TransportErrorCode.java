package io.exostate.transport;

/**
 * The {@code code} of a {@code TransportError} message (template 403): a session-level error of the binary protocol,
 * as opposed to a {@code Rejected} reply, which is the engine refusing one well-formed request.
 * <p>
 * Codes are stable and never reused (docs/protocol.md). {@link #BUSY} and {@link #NOT_LEADER} answer one request and
 * keep the connection; every other code is sent once, with the correlation id of the offending frame (or 0), and the
 * server then closes the connection.
 */
public enum TransportErrorCode
{
    /** The engine's ingress is full; nothing was queued. Retry the request later. Keeps the connection. */
    BUSY(1, false),
    /** This node does not lead the cluster; {@code leaderAddress} names the one that does. Keeps the connection. */
    NOT_LEADER(2, false),
    /** The API key of {@code Hello} is wrong. */
    AUTH_FAILED(3, true),
    /** A request arrived before {@code Hello}. */
    NOT_AUTHENTICATED(4, true),
    /** The frame or the message in it is not well formed (truncated body, bad lengths, trailing bytes, bad hello). */
    MALFORMED_FRAME(5, true),
    /** The frame is longer than the session's {@code maxFrameLength}. */
    FRAME_TOO_LARGE(6, true),
    /** The template id is not a message a client may send. */
    UNKNOWN_MESSAGE(7, true),
    /** The message header names another schema id or a schema version the server cannot read, or a bad protocol. */
    UNSUPPORTED_VERSION(8, true),
    /** A command or query names another namespace than the one the session said hello with. */
    NAMESPACE_MISMATCH(9, true),
    /** The client sent nothing for the idle timeout. */
    IDLE_TIMEOUT(10, true),
    /** The client does not read its replies fast enough; the server will not buffer more for it. */
    SLOW_CONSUMER(11, true),
    /** The server is stopping or no longer serves. */
    SHUTTING_DOWN(12, true);

    private static final TransportErrorCode[] BY_CODE = new TransportErrorCode[13];

    static
    {
        for (final TransportErrorCode c : values())
        {
            BY_CODE[c.code] = c;
        }
    }

    private final int code;
    private final boolean closesConnection;

    TransportErrorCode(final int code, final boolean closesConnection)
    {
        this.code = code;
        this.closesConnection = closesConnection;
    }

    /** The wire value (uint16). */
    public int code()
    {
        return code;
    }

    /** True when the server closes the connection right after sending this error. */
    public boolean closesConnection()
    {
        return closesConnection;
    }

    /** The code for a wire value, or null when the value is unknown (a newer server may add codes). */
    public static TransportErrorCode fromCode(final int code)
    {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
