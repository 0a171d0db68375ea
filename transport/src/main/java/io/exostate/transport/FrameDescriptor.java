package io.exostate.transport;

import io.exostate.core.codec.sbe.MessageHeaderDecoder;

/**
 * The frame of the binary protocol, the same in both directions (docs/protocol.md):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |  frameLength (int32 LE): the number of bytes after this field |
 *  +---------------------------------------------------------------+
 *  |                    correlationId (int64 LE)                   |
 *  |                                                               |
 *  +-------------------------------+-------------------------------+
 *  |  blockLength (uint16 LE)      |  templateId (uint16 LE)       |  SBE message header
 *  +-------------------------------+-------------------------------+
 *  |  schemaId (uint16 LE) = 7301  |  version (uint16 LE) = 1      |
 *  +-------------------------------+-------------------------------+
 *  |  message: block, groups, var data (frameLength - 16 bytes)  ...
 *  +---------------------------------------------------------------+
 * </pre>
 * A frame carries exactly one SBE message; {@code frameLength = 8 + message length}, so the smallest frame has a
 * length field of 16 (a message with an empty block, such as {@code ListNamespaces}).
 */
public final class FrameDescriptor
{
    /** Bytes of the length field that starts every frame. */
    public static final int LENGTH_FIELD_LENGTH = 4;
    /** Bytes of the correlation id that follows the length field. */
    public static final int CORRELATION_ID_LENGTH = 8;
    /** Length field plus correlation id: where the SBE message starts, from the start of the frame. */
    public static final int FRAME_HEADER_LENGTH = LENGTH_FIELD_LENGTH + CORRELATION_ID_LENGTH;
    /** Bytes of the SBE message header. */
    public static final int MESSAGE_HEADER_LENGTH = MessageHeaderDecoder.ENCODED_LENGTH;
    /** The smallest legal value of the length field: a correlation id and a message header. */
    public static final int MIN_FRAME_LENGTH = CORRELATION_ID_LENGTH + MESSAGE_HEADER_LENGTH;
    /** The schema id every message header must carry. */
    public static final int SCHEMA_ID = MessageHeaderDecoder.SCHEMA_ID;
    /** The newest schema version this build reads; a header with a higher version is refused. */
    public static final int SCHEMA_VERSION = MessageHeaderDecoder.SCHEMA_VERSION;
    /** The protocol version a {@code Hello} must name. */
    public static final int PROTOCOL_VERSION = 1;

    /** Offsets inside the SBE message header. */
    public static final int BLOCK_LENGTH_OFFSET = 0;
    public static final int TEMPLATE_ID_OFFSET = 2;
    public static final int SCHEMA_ID_OFFSET = 4;
    public static final int VERSION_OFFSET = 6;

    private FrameDescriptor()
    {
    }
}
