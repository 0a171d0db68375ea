package io.exostate.core.template;

import io.exostate.core.model.RetryStrategy;

import java.util.Objects;

/**
 * {@code retry_policy} (SPEC §1.6). Delays are milliseconds. {@code maxDelay} is null when not set.
 */
public record RetryPolicySpec(long maxRetries, RetryStrategy strategy, long backoffFactor, long exponent, Long maxDelay)
{
    public static final RetryPolicySpec DEFAULT = new RetryPolicySpec(3, RetryStrategy.EXPONENTIAL, 2000, 2, null);

    public RetryPolicySpec
    {
        Objects.requireNonNull(strategy, "strategy");
    }
}
