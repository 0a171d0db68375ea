package io.exostate.raft;

import io.exostate.core.codec.Claimed;
import io.exostate.core.codec.ReplyDecoder;
import io.exostate.core.codec.sbe.MessageHeaderDecoder;
import io.exostate.core.codec.sbe.TransportErrorDecoder;
import io.exostate.core.engine.Replies;
import io.exostate.core.loop.CommandGateway;
import io.exostate.core.loop.ReplySink;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Long-poll claims park on the leader: woken by committed work, answered empty at their deadline, released with
 * NOT_LEADER when the leader stops leading; a follower answers NOT_LEADER naming the leader.
 */
class LongPollOnLeaderTest
{
    private static final long CALL_TIMEOUT_MS = 30_000;

    @RegisterExtension
    final LocalCluster cluster = new LocalCluster();

    /** One session on one gateway that records the first reply to each correlation id. */
    private static final class Waiter implements ReplySink
    {
        final CompletableFuture<byte[]> reply = new CompletableFuture<>();

        @Override
        public void onReply(final long correlationId, final DirectBuffer buffer, final int offset, final int length)
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            reply.complete(copy);
        }

        @Override
        public void onFlush()
        {
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldWakeAParkedClaimWhenWorkIsCommittedAndAnswerEmptyAtItsDeadline() throws Exception
    {
        cluster.start(3, n -> {}, g -> {});
        final int leader = cluster.awaitLeader(10_000);
        final ClusterClient client = new ClusterClient(cluster, 5_000);
        final Commands commands = new Commands();
        client.call(commands.register(), CALL_TIMEOUT_MS);
        client.call(commands.upsert(), CALL_TIMEOUT_MS);

        final RaftGateway gateway = cluster.gateway(leader);
        final Waiter parked = new Waiter();
        gateway.openSession(77, parked);
        final byte[] claim = commands.claimWaiting(1, 30_000, 20_000);
        assertThat(gateway.offer(77, 1, new UnsafeBuffer(claim), 0, claim.length))
            .isEqualTo(CommandGateway.Offer.ACCEPTED);
        Thread.sleep(500);
        assertThat(parked.reply).as("parked while nothing is ready").isNotDone();

        final long triggeredAt = System.nanoTime();
        assertThat(((Replies.Trigger)client.call(commands.trigger("r-1"), CALL_TIMEOUT_MS)).ok()).isTrue();
        final Object woken = decode(parked.reply.get(5, TimeUnit.SECONDS));
        final long wokenMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - triggeredAt);
        assertThat(woken).isInstanceOf(Claimed.class);
        assertThat(((Claimed)woken).states()).hasSize(1);
        assertThat(wokenMs).as("woken by the commit, not by its 20 s deadline").isLessThan(5_000);

        final Waiter expiring = new Waiter();
        gateway.openSession(78, expiring);
        final byte[] shortClaim = commands.claimWaiting(1, 30_000, 300);
        final long offeredAt = System.nanoTime();
        gateway.offer(78, 1, new UnsafeBuffer(shortClaim), 0, shortClaim.length);
        final Object empty = decode(expiring.reply.get(5, TimeUnit.SECONDS));
        assertThat(((Claimed)empty).states()).isEmpty();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - offeredAt)).isGreaterThanOrEqualTo(290);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldReleaseParkedClaimsWithNotLeaderWhenTheLeaderStepsDownAndFollowersNameTheLeader() throws Exception
    {
        cluster.start(3, n -> {}, g -> g.leaderAddress(id -> "addr-of-" + id));
        final int leader = cluster.awaitLeader(10_000);
        final ClusterClient client = new ClusterClient(cluster, 5_000);
        final Commands commands = new Commands();
        client.call(commands.register(), CALL_TIMEOUT_MS);
        client.call(commands.upsert(), CALL_TIMEOUT_MS);

        final int follower = (leader + 1) % cluster.size();
        final long knownBy = System.currentTimeMillis() + 10_000;
        while (cluster.gateway(follower).leaderId() == null && System.currentTimeMillis() < knownBy)
        {
            Thread.sleep(20); // the leader's first heartbeat may not have reached this follower yet
        }
        final byte[] claim = commands.claimWaiting(1, 30_000, 20_000);
        assertThat(cluster.gateway(follower).offer(5, 1, new UnsafeBuffer(claim), 0, claim.length))
            .isEqualTo(CommandGateway.Offer.NOT_LEADER);
        assertThat(cluster.gateway(follower).leaderId()).isEqualTo(cluster.node(leader).id());

        final Waiter parked = new Waiter();
        final RaftGateway gateway = cluster.gateway(leader);
        gateway.openSession(79, parked);
        gateway.offer(79, 1, new UnsafeBuffer(claim), 0, claim.length);
        Thread.sleep(500);
        assertThat(parked.reply).isNotDone();

        // The leader's server stops (its gateway keeps running): it no longer leads, so the claim is released.
        cluster.node(leader).close();
        final byte[] released = parked.reply.get(5, TimeUnit.SECONDS);
        final UnsafeBuffer b = new UnsafeBuffer(released);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(b, 0);
        assertThat(header.templateId()).isEqualTo(TransportErrorDecoder.TEMPLATE_ID);
        final TransportErrorDecoder error = new TransportErrorDecoder()
            .wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        assertThat(error.code()).isEqualTo(2); // NOT_LEADER
        assertThat(error.detail()).contains("no longer leads");
    }

    private static Object decode(final byte[] bytes)
    {
        return new ReplyDecoder().decode(new UnsafeBuffer(bytes), 0, bytes.length);
    }
}
