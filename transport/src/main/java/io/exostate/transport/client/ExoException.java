package io.exostate.transport.client;

import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;
import io.exostate.core.template.FieldError;
import io.exostate.transport.TransportErrorCode;

import java.util.List;
import java.util.Objects;

/**
 * Why a request of an {@link ExoClient} failed. {@link #kind()} says where the failure came from:
 * <ul>
 * <li>{@link Kind#REJECTED}: the server applied nothing and answered {@code Rejected}; {@link #rejectCode()},
 * {@link #detail()} and {@link #fieldErrors()} say why (the detail is the text Exosphere's HTTP API would answer).</li>
 * <li>{@link Kind#TRANSPORT}: the server answered a {@code TransportError}; {@link #transportError()} (or
 * {@link #transportCode()} for a code this build does not know) and {@link #detail()}.</li>
 * <li>{@link Kind#CONNECTION_LOST}, {@link Kind#TIMEOUT}: no answer came; the request may or may not have been
 * applied. Both are {@link #retriable()}.</li>
 * <li>{@link Kind#CLOSED}, {@link Kind#PROTOCOL}, {@link Kind#INVALID}, {@link Kind#INTERRUPTED}: see each.</li>
 * </ul>
 * Immutable; safe to pass between threads.
 */
public final class ExoException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** Where a failure came from. */
    public enum Kind
    {
        /** The server refused the command or query ({@code Rejected}); nothing changed. */
        REJECTED,
        /** The server answered a {@code TransportError}. */
        TRANSPORT,
        /** The connection dropped while the request was in flight; it may have been applied. */
        CONNECTION_LOST,
        /** No answer within the request timeout (or the connect timeout); it may have been applied. */
        TIMEOUT,
        /** The client (or runtime) is closed. */
        CLOSED,
        /** The server's answer could not be decoded or was not the reply the request expects. */
        PROTOCOL,
        /** The client refused to send the request (for instance a frame longer than the server accepts). */
        INVALID,
        /** The calling thread was interrupted while it waited for the answer; its interrupt flag is set again. */
        INTERRUPTED
    }

    private final Kind kind;
    private final RejectCode rejectCode;
    private final int transportCode;
    private final String detail;
    private final List<FieldError> fieldErrors;

    private ExoException(
        final Kind kind,
        final RejectCode rejectCode,
        final int transportCode,
        final String detail,
        final List<FieldError> fieldErrors,
        final Throwable cause)
    {
        super(message(kind, rejectCode, transportCode, detail), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.rejectCode = rejectCode;
        this.transportCode = transportCode;
        this.detail = detail == null ? "" : detail;
        this.fieldErrors = fieldErrors == null ? List.of() : List.copyOf(fieldErrors);
    }

    /** A {@code Rejected} answer. */
    public static ExoException rejected(final Rejection rejection)
    {
        return new ExoException(
            Kind.REJECTED, rejection.code(), 0, rejection.detail(), rejection.fieldErrors(), null);
    }

    /** A {@code TransportError} answer with its raw code. */
    public static ExoException transport(final int code, final String detail)
    {
        return new ExoException(Kind.TRANSPORT, null, code, detail, null, null);
    }

    /** Any other kind than {@link Kind#REJECTED} and {@link Kind#TRANSPORT}. */
    public static ExoException of(final Kind kind, final String detail, final Throwable cause)
    {
        if (kind == Kind.REJECTED || kind == Kind.TRANSPORT)
        {
            throw new IllegalArgumentException("use rejected(...) or transport(...) for " + kind);
        }
        return new ExoException(kind, null, 0, detail, null, cause);
    }

    /**
     * The same failure seen from another thread: a blocking call rethrows the I/O thread's exception wrapped in a
     * copy, so the stack trace shows the caller and the cause shows where it was raised.
     */
    static ExoException copyOf(final ExoException original)
    {
        return new ExoException(original.kind, original.rejectCode, original.transportCode, original.detail,
            original.fieldErrors, original);
    }

    public Kind kind()
    {
        return kind;
    }

    /** The engine's reason for {@link Kind#REJECTED}, else null. */
    public RejectCode rejectCode()
    {
        return rejectCode;
    }

    /** The {@code TransportError} code of {@link Kind#TRANSPORT}, else null (also for a code unknown here). */
    public TransportErrorCode transportError()
    {
        return kind == Kind.TRANSPORT ? TransportErrorCode.fromCode(transportCode) : null;
    }

    /** The raw {@code TransportError} code for {@link Kind#TRANSPORT}, else 0. */
    public int transportCode()
    {
        return transportCode;
    }

    /** The server's detail text, or the client's explanation; never null. */
    public String detail()
    {
        return detail;
    }

    /** The pydantic-style field errors of an {@link RejectCode#INVALID_REQUEST} rejection; usually empty. */
    public List<FieldError> fieldErrors()
    {
        return fieldErrors;
    }

    /** True when this is a rejection with the given code. */
    public boolean is(final RejectCode code)
    {
        return kind == Kind.REJECTED && rejectCode == code;
    }

    /** True when this is a transport error with the given code. */
    public boolean is(final TransportErrorCode code)
    {
        return kind == Kind.TRANSPORT && transportCode == code.code();
    }

    /**
     * True when sending the same request again may succeed: a lost connection, a timeout, or a transport error that
     * does not blame the request ({@link #retriable(TransportErrorCode)}). A rejection is never retriable: the same
     * command gets the same answer.
     */
    public boolean retriable()
    {
        switch (kind)
        {
            case CONNECTION_LOST:
            case TIMEOUT:
                return true;
            case TRANSPORT:
                return retriable(TransportErrorCode.fromCode(transportCode));
            default:
                return false;
        }
    }

    /**
     * True for the transport errors after which the same request may succeed: the server was busy, is not the leader,
     * is stopping, or ended an idle or slow session. The others blame the request or the credentials.
     */
    public static boolean retriable(final TransportErrorCode code)
    {
        return code == TransportErrorCode.BUSY || code == TransportErrorCode.NOT_LEADER ||
            code == TransportErrorCode.SHUTTING_DOWN || code == TransportErrorCode.IDLE_TIMEOUT ||
            code == TransportErrorCode.SLOW_CONSUMER;
    }

    private static String message(
        final Kind kind, final RejectCode rejectCode, final int transportCode, final String detail)
    {
        final String text = detail == null ? "" : detail;
        switch (kind)
        {
            case REJECTED:
                return "REJECTED " + rejectCode + ": " + text;
            case TRANSPORT:
                final TransportErrorCode code = TransportErrorCode.fromCode(transportCode);
                return "TRANSPORT " + (code == null ? "code " + transportCode : code.name()) + ": " + text;
            default:
                return kind + ": " + text;
        }
    }
}
