package io.exostate.transport.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Renders engine times (epoch milliseconds) as ISO-8601 local date-times in UTC with millisecond precision and no
 * zone suffix, e.g. {@code 2026-01-02T03:04:05.678} (decision 10). Python's {@code datetime.fromisoformat} reads it.
 * Thread safe.
 */
final class IsoTime
{
    private static final DateTimeFormatter FORMAT =
        DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private IsoTime()
    {
    }

    static String format(final long epochMs)
    {
        return FORMAT.format(Instant.ofEpochMilli(epochMs));
    }
}
