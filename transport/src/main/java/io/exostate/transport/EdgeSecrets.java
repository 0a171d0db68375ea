package io.exostate.transport;

import io.exostate.core.codec.CommandDecoder;
import io.exostate.core.codec.CommandEncoder;
import io.exostate.core.codec.ReplyDecoder;
import io.exostate.core.codec.ReplyEncoder;
import io.exostate.core.codec.ViewReplies;
import io.exostate.core.engine.Commands;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;
import io.exostate.core.engine.Replies;
import io.exostate.core.template.GraphSpec;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.lang.reflect.Proxy;
import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decision 11 on the binary edge: graph secrets are encrypted before an upsert is offered to the gateway (so no
 * plaintext secret reaches the journal, the Raft log or a snapshot), and the encrypted values of a state-secrets
 * reply are decrypted before they leave for the runtime. Cold path: one instance per session, event loop only.
 */
final class EdgeSecrets
{
    private final SecretsCipher cipher;
    private final CommandEncoder encoder = new CommandEncoder();
    private final ReplyDecoder replyDecoder = new ReplyDecoder();
    private final ReplyEncoder replyEncoder = new ReplyEncoder();
    private final CommandDecoder capture;
    private GraphSpec captured;

    /** @param cipher null when the server has no secrets key: upserts that carry secrets are then refused. */
    EdgeSecrets(final SecretsCipher cipher)
    {
        this.cipher = cipher;
        final Commands target = (Commands)Proxy.newProxyInstance(Commands.class.getClassLoader(),
            new Class<?>[]{Commands.class}, (proxy, method, args) ->
            {
                if (!"upsertGraph".equals(method.getName()))
                {
                    throw new IllegalStateException("only upserts are captured, not " + method.getName());
                }
                captured = (GraphSpec)args[1];
                return new Replies.Upsert(new Rejection(RejectCode.INVALID_REQUEST, "captured at the edge"), null);
            });
        capture = new CommandDecoder(target);
    }

    /** The outcome of {@link #sealUpsert}: the message to offer, or why the upsert is refused. */
    record Sealed(DirectBuffer buffer, int length, Rejection rejection)
    {
    }

    /**
     * Returns the upsert to offer: the original bytes when it carries no secret, else a re-encoded upsert whose
     * secret values are encrypted. The message must already have passed validation.
     */
    Sealed sealUpsert(final DirectBuffer message, final int length, final ExpandableArrayBuffer scratch)
    {
        captured = null;
        capture.apply(0, message, 0, length, scratch, 0);
        final GraphSpec spec = captured;
        if (spec == null || spec.secrets().isEmpty())
        {
            return new Sealed(message, length, null);
        }
        if (cipher == null)
        {
            return new Sealed(null, 0, new Rejection(RejectCode.INVALID_REQUEST,
                "This node has no secrets key, so it cannot store graph secrets; start it with --secrets-key"));
        }
        final Map<String, String> sealed = new LinkedHashMap<>();
        spec.secrets().forEach((name, value) -> sealed.put(name, cipher.encrypt(value)));
        final GraphSpec out = new GraphSpec(spec.namespace(), spec.name(), spec.nodes(), sealed, spec.retryPolicy(),
            spec.storeConfig(), spec.triggers());
        final int sealedLength = encoder.upsertGraph(scratch, 0, out);
        return new Sealed(scratch, sealedLength, null);
    }

    /**
     * Re-encodes a state-secrets reply with its values decrypted, into {@code out}; returns the length. Any other
     * reply (a rejection) is copied unchanged.
     */
    int openSecretsReply(final DirectBuffer reply, final int length, final MutableDirectBuffer out)
    {
        final Object decoded = replyDecoder.decode(reply, 0, length);
        if (!(decoded instanceof ViewReplies.StateSecrets s))
        {
            out.putBytes(0, reply, 0, length);
            return length;
        }
        final Map<String, String> plain = new LinkedHashMap<>();
        for (final Map.Entry<String, String> e : s.secrets().entrySet())
        {
            if (cipher == null)
            {
                return replyEncoder.rejected(out, 0, new Rejection(RejectCode.INVALID_REQUEST,
                    "This node has no secrets key, so it cannot decrypt secret " + e.getKey()));
            }
            try
            {
                plain.put(e.getKey(), cipher.decrypt(e.getValue()));
            }
            catch (final GeneralSecurityException ex)
            {
                return replyEncoder.rejected(out, 0, new Rejection(RejectCode.INVALID_REQUEST,
                    "Secret " + e.getKey() + " cannot be decrypted with this node's secrets key: " + ex.getMessage()));
            }
        }
        return replyEncoder.stateSecrets(out, 0, plain);
    }
}
