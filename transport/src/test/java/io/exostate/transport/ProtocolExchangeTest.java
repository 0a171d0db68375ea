package io.exostate.transport;

import io.exostate.core.codec.Claimed;
import io.exostate.core.engine.Replies;
import io.exostate.core.loop.EngineLoop;
import io.exostate.core.model.FieldKind;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.SchemaField;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.exostate.transport.TestFrames.NS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Produces the complete exchange printed in docs/protocol.md (Hello, HelloReply, Trigger, TriggerReply, Claim,
 * ClaimReply) with the real encoders, a real server and the real engine loop on a fixed clock, and checks that the
 * document carries exactly these bytes. When the protocol changes, this test fails and prints the new text to paste.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProtocolExchangeTest
{
    static final long NOW = 1_700_000_000_000L;
    static final String KEY = "k3y";
    /** The claim's client id: a client picks a random one; this one reads easily in the hex. */
    static final long CLIENT_ID = 0x1122_3344_5566_7788L;

    @Test
    void shouldMatchTheExchangeDocumentedInProtocolMd() throws Exception
    {
        final String exchange = exchange();
        System.out.println(exchange);
        final Path doc = Path.of(System.getProperty("user.dir")).resolve("../docs/protocol.md").normalize();
        final String text = Files.readString(doc, StandardCharsets.UTF_8);
        assertThat(text).as("docs/protocol.md carries the exchange printed above").contains(exchange);
    }

    static String exchange() throws Exception
    {
        final EngineLoop loop = new EngineLoop(new EngineLoop.Context()
            .clock(() -> NOW)
            .idleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 100_000)));
        // Set up before the loop starts (this thread still owns the engine): one node, one graph.
        loop.engine().registerNodes(NOW, NS, "rt", List.of(new NodeRegistration("Greet",
            List.of(new SchemaField("name", FieldKind.STRING)), List.of(new SchemaField("greeting", FieldKind.STRING)),
            List.of(), "{}", "{}")));
        loop.engine().upsertGraph(NOW, BinaryServerTest.greetingGraph());
        loop.start();
        final TestFrames frames = new TestFrames();
        final StringBuilder out = new StringBuilder();
        try (BinaryServer server = BinaryServer.start(new BinaryServer.Context()
            .gateway(loop)
            .apiKey(KEY)
            .bindAddress("127.0.0.1")
            .port(0));
            SocketClient client = new SocketClient(server.port()))
        {
            final byte[] hello = frames.frameBytes(0, (b, o) -> frames.session.hello(
                b, o, FrameDescriptor.PROTOCOL_VERSION, NS, KEY, "py-runtime"));
            client.send(hello);
            final TestFrames.Frame helloReply = client.read();
            assertThat(helloReply.helloReply().sessionId()).isEqualTo(1);

            final byte[] trigger = frames.frameBytes(1, (b, o) -> frames.commands.trigger(
                b, o, NS, "greeting", "run-1", Map.of(), Map.of(), 0));
            client.send(trigger);
            final TestFrames.Frame triggerReply = client.read();
            assertThat(((Replies.Trigger)triggerReply.reply()).rejection()).isNull();

            final byte[] claim = frames.frameBytes(2, (b, o) -> frames.commands.claim(
                b, o, NS, new String[]{ "Greet" }, 1, 1, 30_000, 5_000, CLIENT_ID, 1));
            client.send(claim);
            final TestFrames.Frame claimReply = client.read();
            assertThat(((Claimed)claimReply.reply()).states()).hasSize(1);

            hex(out, "client -> server  Hello, correlation 0", hello);
            hex(out, "server -> client  HelloReply, correlation 0", wire(helloReply));
            hex(out, "client -> server  Trigger, correlation 1", trigger);
            hex(out, "server -> client  TriggerReply, correlation 1", wire(triggerReply));
            hex(out, "client -> server  Claim, correlation 2", claim);
            hex(out, "server -> client  ClaimReply, correlation 2", wire(claimReply));
        }
        finally
        {
            loop.close();
        }
        return out.toString().trim();
    }

    private static byte[] wire(final TestFrames.Frame frame)
    {
        final ByteBuffer b = ByteBuffer.allocate(12 + frame.message().length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(8 + frame.message().length).putLong(frame.correlationId()).put(frame.message());
        return b.array();
    }

    private static void hex(final StringBuilder out, final String title, final byte[] bytes)
    {
        out.append(title).append(" (").append(bytes.length).append(" bytes)\n");
        for (int i = 0; i < bytes.length; i += 16)
        {
            out.append(String.format("%04x ", i));
            for (int j = i; j < Math.min(i + 16, bytes.length); j++)
            {
                out.append(String.format(" %02x", bytes[j] & 0xFF));
            }
            out.append('\n');
        }
        out.append('\n');
    }
}
