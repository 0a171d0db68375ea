package io.exostate.transport.http;

import java.util.UUID;

/**
 * The {@code x-exosphere-request-id} rule: a header value that Python's {@code uuid.UUID(text)} accepts is kept as
 * sent; anything else (absent, empty, malformed) is replaced by a new random UUID. Thread safe.
 */
final class RequestIds
{
    static final String HEADER = "x-exosphere-request-id";

    private RequestIds()
    {
    }

    static String keepOrGenerate(final String header)
    {
        return header != null && isUuid(header) ? header : UUID.randomUUID().toString();
    }

    /**
     * What {@code uuid.UUID(hex)} accepts: {@code urn:} and {@code uuid:} removed, braces stripped from both ends,
     * hyphens removed, and then exactly 32 hex digits.
     */
    static boolean isUuid(final String text)
    {
        final String s = text.replace("urn:", "").replace("uuid:", "");
        int start = 0;
        int end = s.length();
        while (start < end && isBrace(s.charAt(start)))
        {
            start++;
        }
        while (end > start && isBrace(s.charAt(end - 1)))
        {
            end--;
        }
        int digits = 0;
        for (int i = start; i < end; i++)
        {
            final char c = s.charAt(i);
            if (c == '-')
            {
                continue;
            }
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            {
                return false;
            }
            digits++;
        }
        return digits == 32;
    }

    private static boolean isBrace(final char c)
    {
        return c == '{' || c == '}';
    }
}
