package io.exostate.transport;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** A blocking loopback client for the real-socket tests: writes whole frames, reads one frame at a time. */
final class SocketClient implements AutoCloseable
{
    private final Socket socket = new Socket();
    private final DataInputStream in;
    private final OutputStream out;

    SocketClient(final int port) throws IOException
    {
        this(port, 0);
    }

    /** {@code receiveBufferSize} > 0 shrinks the socket's receive buffer (a client that reads slowly). */
    SocketClient(final int port, final int receiveBufferSize) throws IOException
    {
        if (receiveBufferSize > 0)
        {
            socket.setReceiveBufferSize(receiveBufferSize);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    void send(final byte[] bytes) throws IOException
    {
        out.write(bytes);
        out.flush();
    }

    TestFrames.Frame read() throws IOException
    {
        final byte[] lengthField = new byte[4];
        in.readFully(lengthField);
        final int frameLength = ByteBuffer.wrap(lengthField).order(ByteOrder.LITTLE_ENDIAN).getInt();
        final byte[] rest = new byte[frameLength];
        in.readFully(rest);
        final ByteBuffer b = ByteBuffer.wrap(rest).order(ByteOrder.LITTLE_ENDIAN);
        final long correlationId = b.getLong();
        final byte[] message = new byte[frameLength - 8];
        b.get(message);
        return new TestFrames.Frame(correlationId, message);
    }

    /** True when the server closed the connection (EOF or reset) before {@code read()} could complete a frame. */
    boolean closedByServer() throws IOException
    {
        try
        {
            while (true)
            {
                read();
            }
        }
        catch (final EOFException | SocketException ex)
        {
            return true;
        }
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
    }
}
