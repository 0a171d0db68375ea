package io.exostate.core.template;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static io.exostate.core.template.CronExpression.NO_NEXT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class CronExpressionTest
{
    // ---------------------------------------------------------------------------------------------------------
    // Reference fire times. Every row was worked out by hand and then checked against Python croniter 6.2.4
    // (the library Exosphere validates and steps triggers with): the expression, the instant to search from
    // (UTC), and the next four fire times; NEVER where croniter raises CroniterBadDateError.
    // ---------------------------------------------------------------------------------------------------------

    static Stream<Arguments> croniterReference()
    {
        return Stream.of(
            row("*/15 * * * *", "2024-01-01T10:07:30",
                "2024-01-01T10:15:00", "2024-01-01T10:30:00", "2024-01-01T10:45:00", "2024-01-01T11:00:00"),
            row("* * * * *", "2024-01-01T10:07:00",
                "2024-01-01T10:08:00", "2024-01-01T10:09:00", "2024-01-01T10:10:00", "2024-01-01T10:11:00"),
            row("* * * * *", "2023-12-31T23:59:59.999",
                "2024-01-01T00:00:00", "2024-01-01T00:01:00", "2024-01-01T00:02:00", "2024-01-01T00:03:00"),
            row("0 0 * * 0", "2024-01-03T12:00:00",
                "2024-01-07T00:00:00", "2024-01-14T00:00:00", "2024-01-21T00:00:00", "2024-01-28T00:00:00"),
            row("0 0 * * 7", "2024-01-03T12:00:00",
                "2024-01-07T00:00:00", "2024-01-14T00:00:00", "2024-01-21T00:00:00", "2024-01-28T00:00:00"),
            row("0 0 * * 0,7", "2024-01-06T23:59:59",
                "2024-01-07T00:00:00", "2024-01-14T00:00:00", "2024-01-21T00:00:00", "2024-01-28T00:00:00"),
            row("30 8 * * mon-fri", "2024-01-05T09:00:00",
                "2024-01-08T08:30:00", "2024-01-09T08:30:00", "2024-01-10T08:30:00", "2024-01-11T08:30:00"),
            row("0 12 1 jan,JUL *", "2024-03-15T00:00:00",
                "2024-07-01T12:00:00", "2025-01-01T12:00:00", "2025-07-01T12:00:00", "2026-01-01T12:00:00"),
            row("0 0 1 Jan-Mar/2 *", "2023-11-20T00:00:00",
                "2024-01-01T00:00:00", "2024-03-01T00:00:00", "2025-01-01T00:00:00", "2025-03-01T00:00:00"),
            row("0 0 13 * 5", "2024-09-01T00:00:00",
                "2024-09-06T00:00:00", "2024-09-13T00:00:00", "2024-09-20T00:00:00", "2024-09-27T00:00:00"),
            row("0 0 1,15 * 1", "2024-01-01T00:00:00",
                "2024-01-08T00:00:00", "2024-01-15T00:00:00", "2024-01-22T00:00:00", "2024-01-29T00:00:00"),
            row("0 0 */2 * 1", "2024-01-01T10:07:30",
                "2024-01-03T00:00:00", "2024-01-05T00:00:00", "2024-01-07T00:00:00", "2024-01-08T00:00:00"),
            row("0 0 1-31 * 1", "2024-01-01T10:07:30",
                "2024-01-02T00:00:00", "2024-01-03T00:00:00", "2024-01-04T00:00:00", "2024-01-05T00:00:00"),
            row("0 0 *,1 * 1", "2024-01-01T10:07:30",
                "2024-01-08T00:00:00", "2024-01-15T00:00:00", "2024-01-22T00:00:00", "2024-01-29T00:00:00"),
            row("0 0 29 2 *", "2024-03-01T00:00:00",
                "2028-02-29T00:00:00", "2032-02-29T00:00:00", "2036-02-29T00:00:00", "2040-02-29T00:00:00"),
            row("0 0 29 2 *", "2096-03-01T00:00:00",
                "2104-02-29T00:00:00", "2108-02-29T00:00:00", "2112-02-29T00:00:00", "2116-02-29T00:00:00"),
            row("0 0 29 2 1", "2024-02-01T00:00:00",
                "2024-02-05T00:00:00", "2024-02-12T00:00:00", "2024-02-19T00:00:00", "2024-02-26T00:00:00"),
            row("59 23 31 12 *", "2024-12-31T23:59:00",
                "2025-12-31T23:59:00", "2026-12-31T23:59:00", "2027-12-31T23:59:00", "2028-12-31T23:59:00"),
            row("0 0 31 * *", "2024-01-31T00:00:00",
                "2024-03-31T00:00:00", "2024-05-31T00:00:00", "2024-07-31T00:00:00", "2024-08-31T00:00:00"),
            row("* * * * * 30", "2024-01-01T10:07:30",
                "2024-01-01T10:08:30", "2024-01-01T10:09:30", "2024-01-01T10:10:30", "2024-01-01T10:11:30"),
            row("* * * * * 30", "2024-01-01T10:07:29.999",
                "2024-01-01T10:07:30", "2024-01-01T10:08:30", "2024-01-01T10:09:30", "2024-01-01T10:10:30"),
            row("* * * * * *", "2024-01-01T10:07:30.500",
                "2024-01-01T10:07:31", "2024-01-01T10:07:32", "2024-01-01T10:07:33", "2024-01-01T10:07:34"),
            row("*/20 * * * * */15", "2024-01-01T10:07:50",
                "2024-01-01T10:20:00", "2024-01-01T10:20:15", "2024-01-01T10:20:30", "2024-01-01T10:20:45"),
            row("0 0 1 1 * 0 2030", "2024-06-01T00:00:00",
                "2030-01-01T00:00:00", "NEVER"),
            row("0 0 1 1 * 0 */10", "2024-06-01T00:00:00",
                "2030-01-01T00:00:00", "2040-01-01T00:00:00", "2050-01-01T00:00:00", "2060-01-01T00:00:00"),
            row("@hourly", "2024-01-01T10:07:30",
                "2024-01-01T11:00:00", "2024-01-01T12:00:00", "2024-01-01T13:00:00", "2024-01-01T14:00:00"),
            row("@daily", "2024-12-31T10:00:00",
                "2025-01-01T00:00:00", "2025-01-02T00:00:00", "2025-01-03T00:00:00", "2025-01-04T00:00:00"),
            row("@midnight", "2024-02-28T10:00:00",
                "2024-02-29T00:00:00", "2024-03-01T00:00:00", "2024-03-02T00:00:00", "2024-03-03T00:00:00"),
            row("@weekly", "2024-01-01T10:00:00",
                "2024-01-07T00:00:00", "2024-01-14T00:00:00", "2024-01-21T00:00:00", "2024-01-28T00:00:00"),
            row("@monthly", "2024-01-31T10:00:00",
                "2024-02-01T00:00:00", "2024-03-01T00:00:00", "2024-04-01T00:00:00", "2024-05-01T00:00:00"),
            row("@yearly", "2024-01-01T00:00:00",
                "2025-01-01T00:00:00", "2026-01-01T00:00:00", "2027-01-01T00:00:00", "2028-01-01T00:00:00"),
            row("@annually", "2023-12-31T23:59:59",
                "2024-01-01T00:00:00", "2025-01-01T00:00:00", "2026-01-01T00:00:00", "2027-01-01T00:00:00"),
            row("0 22-2 * * *", "2024-01-01T10:07:30",
                "2024-01-01T22:00:00", "2024-01-01T23:00:00", "2024-01-02T00:00:00", "2024-01-02T01:00:00"),
            row("0 22-2/2 * * *", "2024-01-01T10:07:30",
                "2024-01-01T22:00:00", "2024-01-02T00:00:00", "2024-01-02T02:00:00", "2024-01-02T22:00:00"),
            row("0 0 * * 5-1", "2024-01-01T10:07:30",
                "2024-01-05T00:00:00", "2024-01-06T00:00:00", "2024-01-07T00:00:00", "2024-01-08T00:00:00"),
            row("0 0 * dec-feb *", "2024-03-01T00:00:00",
                "2024-12-01T00:00:00", "2024-12-02T00:00:00", "2024-12-03T00:00:00", "2024-12-04T00:00:00"),
            row("0 0 31-1 * *", "2024-01-15T00:00:00",
                "2024-01-31T00:00:00", "2024-02-01T00:00:00", "2024-03-01T00:00:00", "2024-03-31T00:00:00"),
            row("0 0 * * 6-7", "2024-01-01T00:00:00",
                "2024-01-06T00:00:00", "2024-01-07T00:00:00", "2024-01-13T00:00:00", "2024-01-14T00:00:00"),
            row("0 0 * * 7-1", "2024-01-01T00:00:00",
                "2024-01-07T00:00:00", "2024-01-08T00:00:00", "2024-01-14T00:00:00", "2024-01-15T00:00:00"),
            row("0 0 * * 1/2", "2024-01-01T00:00:00",
                "2024-01-03T00:00:00", "2024-01-05T00:00:00", "2024-01-08T00:00:00", "2024-01-10T00:00:00"),
            row("0 0 * * 5/1", "2024-01-01T00:00:00",
                "2024-01-05T00:00:00", "2024-01-06T00:00:00", "2024-01-12T00:00:00", "2024-01-13T00:00:00"),
            row("0 0 * * 0-7/3", "2024-01-01T00:00:00",
                "2024-01-03T00:00:00", "2024-01-06T00:00:00", "2024-01-07T00:00:00", "2024-01-10T00:00:00"),
            row("0 0 * * 1-7/2", "2024-01-01T00:00:00",
                "2024-01-03T00:00:00", "2024-01-05T00:00:00", "2024-01-07T00:00:00", "2024-01-08T00:00:00"),
            row("0 0 * * */8", "2024-01-01T00:00:00",
                "2024-01-07T00:00:00", "2024-01-14T00:00:00", "2024-01-21T00:00:00", "2024-01-28T00:00:00"),
            row("*/61 * * * *", "2024-01-01T10:07:30",
                "2024-01-01T11:00:00", "2024-01-01T12:00:00", "2024-01-01T13:00:00", "2024-01-01T14:00:00"),
            row("5/15 * * * *", "2024-01-01T10:07:30",
                "2024-01-01T10:20:00", "2024-01-01T10:35:00", "2024-01-01T10:50:00", "2024-01-01T11:05:00"),
            row("1-5/2 * * * *", "2024-01-01T10:07:30",
                "2024-01-01T11:01:00", "2024-01-01T11:03:00", "2024-01-01T11:05:00", "2024-01-01T12:01:00"),
            row("01 * * * *", "2024-01-01T10:07:30",
                "2024-01-01T11:01:00", "2024-01-01T12:01:00", "2024-01-01T13:01:00", "2024-01-01T14:01:00"),
            row("0 0 1 */13 *", "2024-01-01T00:00:00",
                "2025-01-01T00:00:00", "2026-01-01T00:00:00", "2027-01-01T00:00:00", "2028-01-01T00:00:00"),
            row("0 0 L * *", "2024-01-01T00:00:00",
                "2024-01-31T00:00:00", "2024-02-29T00:00:00", "2024-03-31T00:00:00", "2024-04-30T00:00:00"),
            row("0 0 L * *", "2023-02-01T00:00:00",
                "2023-02-28T00:00:00", "2023-03-31T00:00:00", "2023-04-30T00:00:00", "2023-05-31T00:00:00"),
            row("0 0 L,15 * *", "2024-01-01T00:00:00",
                "2024-01-15T00:00:00", "2024-01-31T00:00:00", "2024-02-15T00:00:00", "2024-02-29T00:00:00"),
            row("0 0 10-L * *", "2024-02-27T00:00:00",
                "2024-02-28T00:00:00", "2024-02-29T00:00:00", "2024-03-10T00:00:00", "2024-03-11T00:00:00"),
            row("0 0 1-L/10 * *", "2024-01-01T00:00:00",
                "2024-01-11T00:00:00", "2024-01-21T00:00:00", "2024-01-31T00:00:00", "2024-02-01T00:00:00"),
            row("0 0 L * 1", "2024-01-01T10:00:00",
                "2024-01-08T00:00:00", "2024-01-15T00:00:00", "2024-01-22T00:00:00", "2024-01-29T00:00:00"),
            row("0 0 L * ?", "2024-01-01T10:00:00",
                "2024-01-31T00:00:00", "2024-02-29T00:00:00", "2024-03-31T00:00:00", "2024-04-30T00:00:00"),
            row("0 0 15W * *", "2024-01-01T00:00:00",
                "2024-01-15T00:00:00", "2024-02-15T00:00:00", "2024-03-15T00:00:00", "2024-04-15T00:00:00"),
            row("0 0 1W * *", "2024-05-15T00:00:00",
                "2024-06-03T00:00:00", "2024-07-01T00:00:00", "2024-08-01T00:00:00", "2024-09-02T00:00:00"),
            row("0 0 1W * *", "2024-08-15T00:00:00",
                "2024-09-02T00:00:00", "2024-10-01T00:00:00", "2024-11-01T00:00:00", "2024-12-02T00:00:00"),
            row("0 0 31W * *", "2024-03-01T00:00:00",
                "2024-03-29T00:00:00", "2024-04-30T00:00:00", "2024-05-31T00:00:00", "2024-06-28T00:00:00"),
            row("0 0 31W 2 *", "2024-01-01T00:00:00",
                "2024-02-29T00:00:00", "2025-02-28T00:00:00", "2026-02-27T00:00:00", "2027-02-26T00:00:00"),
            row("0 0 * * 1#2", "2024-01-01T10:00:00",
                "2024-01-08T00:00:00", "2024-02-12T00:00:00", "2024-03-11T00:00:00", "2024-04-08T00:00:00"),
            row("0 0 * * mon#2,wed#3", "2024-01-01T10:00:00",
                "2024-01-08T00:00:00", "2024-01-17T00:00:00", "2024-02-12T00:00:00", "2024-02-21T00:00:00"),
            row("0 0 * * 7#5", "2024-01-01T00:00:00",
                "2024-03-31T00:00:00", "2024-06-30T00:00:00", "2024-09-29T00:00:00", "2024-12-29T00:00:00"),
            row("0 0 * * L5", "2024-01-01T00:00:00",
                "2024-01-26T00:00:00", "2024-02-23T00:00:00", "2024-03-29T00:00:00", "2024-04-26T00:00:00"),
            row("0 0 * * L0", "2024-01-01T00:00:00",
                "2024-01-28T00:00:00", "2024-02-25T00:00:00", "2024-03-31T00:00:00", "2024-04-28T00:00:00"),
            row("0 0 * * L5,L1", "2024-01-01T00:00:00",
                "2024-01-26T00:00:00", "2024-01-29T00:00:00", "2024-02-23T00:00:00", "2024-02-26T00:00:00"),
            row("0 0 * * 1#2,L5", "2024-01-01T00:00:00",
                "2024-01-08T00:00:00", "2024-01-26T00:00:00", "2024-02-12T00:00:00", "2024-02-23T00:00:00"),
            row("0 0 * * 5#1,5", "2024-01-01T00:00:00",
                "2024-01-05T00:00:00", "2024-02-02T00:00:00", "2024-03-01T00:00:00", "2024-04-05T00:00:00"),
            row("0 0 * * *,1#2", "2024-01-01T00:00:00",
                "2024-01-08T00:00:00", "2024-02-12T00:00:00", "2024-03-11T00:00:00", "2024-04-08T00:00:00"),
            row("0 0 ? * 1#2", "2024-01-01T00:00:00",
                "2024-01-08T00:00:00", "2024-02-12T00:00:00", "2024-03-11T00:00:00", "2024-04-08T00:00:00"),
            row("0 0 1 * ?", "2024-01-01T10:00:00",
                "2024-02-01T00:00:00", "2024-03-01T00:00:00", "2024-04-01T00:00:00", "2024-05-01T00:00:00"),
            row("0 0 ? * ?", "2024-01-01T10:00:00",
                "2024-01-02T00:00:00", "2024-01-03T00:00:00", "2024-01-04T00:00:00", "2024-01-05T00:00:00"),
            row("  */5\t* * *  *\n", "2024-01-01T10:07:30",
                "2024-01-01T10:10:00", "2024-01-01T10:15:00", "2024-01-01T10:20:00", "2024-01-01T10:25:00"),
            row("0 0 1 1 *", "1969-06-01T00:00:00",
                "1970-01-01T00:00:00", "1971-01-01T00:00:00", "1972-01-01T00:00:00", "1973-01-01T00:00:00"),
            row("0 12 * * *", "1900-02-28T13:00:00",
                "1900-03-01T12:00:00", "1900-03-02T12:00:00", "1900-03-03T12:00:00", "1900-03-04T12:00:00"),
            row("0 0 29 2 *", "1896-03-01T00:00:00",
                "1904-02-29T00:00:00", "1908-02-29T00:00:00", "1912-02-29T00:00:00", "1916-02-29T00:00:00"),
            row("0 0 1 jan-dec/3 *", "2024-01-01T00:00:00",
                "2024-04-01T00:00:00", "2024-07-01T00:00:00", "2024-10-01T00:00:00", "2025-01-01T00:00:00"),
            row("0 9-17 * * mon-fri", "2024-03-29T17:30:00",
                "2024-04-01T09:00:00", "2024-04-01T10:00:00", "2024-04-01T11:00:00", "2024-04-01T12:00:00"),
            row("15,45 */6 * * *", "2024-02-29T23:50:00",
                "2024-03-01T00:15:00", "2024-03-01T00:45:00", "2024-03-01T06:15:00", "2024-03-01T06:45:00"),
            row("0 0 1 * 1-5", "2024-01-01T00:00:00",
                "2024-01-02T00:00:00", "2024-01-03T00:00:00", "2024-01-04T00:00:00", "2024-01-05T00:00:00"),
            row("\u0661 * * * *", "2024-01-01T00:00:00",
                "2024-01-01T00:01:00", "2024-01-01T01:01:00", "2024-01-01T02:01:00", "2024-01-01T03:01:00"),
            row("59 0 15W * 1", "1998-11-01T12:47:10",
                "1998-11-16T00:59:00", "1998-12-15T00:59:00", "1999-01-15T00:59:00", "1999-02-15T00:59:00"),
            row("0 0 1W * 0-6", "2024-01-01T00:00:00",
                "2024-02-01T00:00:00", "2024-03-01T00:00:00", "2024-04-01T00:00:00", "2024-05-01T00:00:00"),
            row("0 0 * * sun 0", "2024-01-01T00:00:00",
                "2024-01-07T00:00:00", "2024-01-14T00:00:00", "2024-01-21T00:00:00", "2024-01-28T00:00:00"),
            row("0 0 1 * 1-7", "2024-01-01T00:00:00",
                "2024-01-02T00:00:00", "2024-01-03T00:00:00", "2024-01-04T00:00:00", "2024-01-05T00:00:00"),
            row("0 0 1 * sat-fri", "2024-01-01T00:00:00",
                "2024-01-02T00:00:00", "2024-01-03T00:00:00", "2024-01-04T00:00:00", "2024-01-05T00:00:00"),
            row("0 0 * * 5-1 0", "2024-01-01T10:07:30",
                "2024-01-05T00:00:00", "2024-01-06T00:00:00", "2024-01-07T00:00:00", "2024-01-08T00:00:00")
        );
    }

    @ParameterizedTest(name = "[{index}] ''{0}'' after {1}")
    @MethodSource("croniterReference")
    void shouldFireWhenCroniterFires(final String expression, final String after, final String[] expected)
    {
        final CronExpression cron = CronExpression.parse(expression);
        long t = millis(after);
        for (final String next : expected)
        {
            final long fire = cron.nextAfter(t);
            if ("NEVER".equals(next))
            {
                assertThat(fire).as("after %s", iso(t)).isEqualTo(NO_NEXT);
                return;
            }
            assertThat(iso(fire)).as("after %s", iso(t)).isEqualTo(next);
            assertThat(cron.matches(fire)).isTrue();
            t = fire;
        }
    }

    private static Arguments row(final String expression, final String after, final String... expected)
    {
        return Arguments.of(expression, after, expected);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The cases named in the brief, spelled out.
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void shouldFireEveryQuarterHour()
    {
        assertNext("*/15 * * * *", "2024-01-01T10:07:30", "2024-01-01T10:15:00");
        assertNext("*/15 * * * *", "2024-01-01T10:15:00", "2024-01-01T10:30:00");
        assertNext("*/15 * * * *", "2024-01-01T10:14:59.999", "2024-01-01T10:15:00");
        assertNext("*/15 * * * *", "2024-01-01T23:45:00", "2024-01-02T00:00:00");
    }

    @Test
    void shouldFireStrictlyAfterTheInstant()
    {
        assertNext("0 0 * * *", "2024-01-01T00:00:00", "2024-01-02T00:00:00");
        assertNext("0 0 * * *", "2023-12-31T23:59:59.999", "2024-01-01T00:00:00");
        assertNext("* * * * * *", "2024-01-01T00:00:00", "2024-01-01T00:00:01");
    }

    @Test
    void shouldFireWeeklyOnSundayWithZeroOrSeven()
    {
        // 2024-01-01 is a Monday.
        assertNext("0 0 * * 0", "2024-01-01T00:00:00", "2024-01-07T00:00:00");
        assertNext("0 0 * * 7", "2024-01-01T00:00:00", "2024-01-07T00:00:00");
        assertNext("0 0 * * sun", "2024-01-07T00:00:00", "2024-01-14T00:00:00");
        assertNext("@weekly", "2024-01-06T23:59:59", "2024-01-07T00:00:00");
    }

    @Test
    void shouldReadMonthAndWeekdayNamesInAnyCase()
    {
        assertNext("0 9 * JAN-mar Mon", "2024-03-25T09:00:00", "2025-01-06T09:00:00");
        assertNext("0 9 1 jul,DEC *", "2024-07-01T09:00:00", "2024-12-01T09:00:00");
        assertNext("0 9 * * sat-SUN", "2024-01-01T00:00:00", "2024-01-06T09:00:00");
    }

    @Test
    void shouldOrDayOfMonthAndDayOfWeekWhenBothAreRestricted()
    {
        // The 13th or any Friday: Friday 2024-09-06 comes before the 13th.
        assertNext("0 0 13 * fri", "2024-09-01T00:00:00", "2024-09-06T00:00:00");
        assertNext("0 0 13 * fri", "2024-09-06T00:00:00", "2024-09-13T00:00:00");
        // Either unrestricted: plain AND, so only Fridays, or only the 13th.
        assertNext("0 0 * * fri", "2024-09-06T00:00:00", "2024-09-13T00:00:00");
        assertNext("0 0 13 * *", "2024-09-01T00:00:00", "2024-09-13T00:00:00");
        assertNext("0 0 13 * ?", "2024-09-01T00:00:00", "2024-09-13T00:00:00");
    }

    @Test
    void shouldFireOnLeapDaysOnly()
    {
        assertNext("0 0 29 2 *", "2024-01-01T00:00:00", "2024-02-29T00:00:00");
        assertNext("0 0 29 2 *", "2024-02-29T00:00:00", "2028-02-29T00:00:00");
        // 2100 is not a leap year (divisible by 100, not by 400); 2000 was.
        assertNext("0 0 29 2 *", "2096-02-29T00:00:00", "2104-02-29T00:00:00");
        assertNext("0 0 29 2 *", "1999-01-01T00:00:00", "2000-02-29T00:00:00");
    }

    @Test
    void shouldRollOverTheYear()
    {
        assertNext("59 23 31 12 *", "2024-12-31T23:59:00", "2025-12-31T23:59:00");
        assertNext("* * * * *", "2024-12-31T23:59:00", "2025-01-01T00:00:00");
        assertNext("0 0 1 1 *", "2024-01-01T00:00:00.001", "2025-01-01T00:00:00");
        assertNext("@yearly", "2099-12-31T23:59:59", "2100-01-01T00:00:00");
    }

    @Test
    void shouldPutSecondsLast()
    {
        assertNext("* * * * * 30", "2024-01-01T10:07:30", "2024-01-01T10:08:30");
        assertNext("* * * * * 30", "2024-01-01T10:07:00", "2024-01-01T10:07:30");
        assertNext("0 * * * * 0,30", "2024-01-01T10:00:00", "2024-01-01T10:00:30");
        assertNext("0 * * * * 0,30", "2024-01-01T10:00:30", "2024-01-01T11:00:00");
    }

    @Test
    void shouldReadTheYearAsSeventhField()
    {
        assertNext("0 0 1 1 * 0 2030", "2024-06-01T00:00:00", "2030-01-01T00:00:00");
        assertNext("0 0 1 1 * 0 2030", "2030-01-01T00:00:00", null);
        assertNext("0 0 1 1 * 0 1970-1972", "1960-01-01T00:00:00", "1970-01-01T00:00:00");
        assertNext("0 0 * * * 0 *", "2024-01-01T00:00:00", "2024-01-02T00:00:00");
    }

    @Test
    void shouldExpandAliases()
    {
        assertNext("@hourly", "2024-01-01T10:07:30", "2024-01-01T11:00:00");
        assertNext("@HOURLY", "2024-01-01T10:59:59", "2024-01-01T11:00:00");
        assertNext("@daily", "2024-01-01T10:07:30", "2024-01-02T00:00:00");
        assertNext("@midnight", "2024-01-01T10:07:30", "2024-01-02T00:00:00");
        assertNext("@monthly", "2024-01-31T10:07:30", "2024-02-01T00:00:00");
        assertNext("@annually", "2024-01-31T10:07:30", "2025-01-01T00:00:00");
    }

    @Test
    void shouldFireOnTheLastDayOfTheMonth()
    {
        assertNext("0 0 L * *", "2023-02-01T00:00:00", "2023-02-28T00:00:00");
        assertNext("0 0 L * *", "2024-02-01T00:00:00", "2024-02-29T00:00:00");
        assertNext("0 0 L * *", "2024-04-01T00:00:00", "2024-04-30T00:00:00");
        assertNext("0 0 L 2 *", "2024-03-01T00:00:00", "2025-02-28T00:00:00");
    }

    @Test
    void shouldReadWrapAroundRanges()
    {
        assertNext("0 22-2 * * *", "2024-01-01T02:00:00", "2024-01-01T22:00:00");
        assertNext("0 22-2 * * *", "2024-01-01T23:00:00", "2024-01-02T00:00:00");
        assertNext("0 0 1 nov-feb *", "2024-02-01T00:00:00", "2024-11-01T00:00:00");
        assertNext("0 0 * * fri-mon", "2024-01-02T00:00:00", "2024-01-05T00:00:00");
    }

    @Test
    void shouldReadNthAndLastWeekdays()
    {
        assertNext("0 0 * * mon#2", "2024-01-01T00:00:00", "2024-01-08T00:00:00");
        assertNext("0 0 * * 5#5", "2024-01-01T00:00:00", "2024-03-29T00:00:00");
        assertNext("0 0 * * L5", "2024-01-26T00:00:00", "2024-02-23T00:00:00");
        assertNext("0 0 * * mon-tue#2", "2024-01-08T00:00:00", "2024-01-09T00:00:00");
        // The fifth Monday of a February needs a leap year whose February starts on a Monday: 2016, then 2044.
        assertNext("0 0 * 2 1#5", "2016-03-01T00:00:00", "2044-02-29T00:00:00");
    }

    @Test
    void shouldReadNearestWeekday()
    {
        // 2024-06-01 is a Saturday: 1W is Monday the 3rd, not a day of May.
        assertNext("0 0 1W * *", "2024-05-02T00:00:00", "2024-06-03T00:00:00");
        // 2024-06-15 is a Saturday: 15W is Friday the 14th.
        assertNext("0 0 15W * *", "2024-06-01T00:00:00", "2024-06-14T00:00:00");
        // 2024-03-31 is a Sunday and the last day: 31W is Friday the 29th; in April it is the 30th.
        assertNext("0 0 31W * *", "2024-03-01T00:00:00", "2024-03-29T00:00:00");
        assertNext("0 0 31W * *", "2024-03-29T00:00:00", "2024-04-30T00:00:00");
    }

    @Test
    void shouldRefuseSevenAsSundayWhenThereIsASecondsField()
    {
        assertThat(CronExpression.isValid("0 0 * * 7")).isTrue();
        assertThat(CronExpression.isValid("0 0 * * 6,7")).isTrue();
        assertRejected("0 0 * * 7 0", "day-of-week value 7 is out of range 0-6 when the expression has a seconds");
        assertRejected("* * * * 0-7 *", "out of range 0-6");
        assertRejected("* * * * L7 *", "out of range 0-6");
        assertRejected("* * * * 7#1 * *", "out of range 0-6");
        assertNext("0 0 * * sun 0", "2024-01-01T00:00:00", "2024-01-07T00:00:00");
        assertNext("0 0 * * sat-sun 0", "2024-01-01T00:00:00", "2024-01-06T00:00:00");
    }

    @Test
    void shouldIgnoreDayOfWeekBesideNearestWeekday()
    {
        // 1998-11-15 is a Sunday: 15W is Monday the 16th; in December the 15th, a Tuesday, despite "1".
        assertNext("59 0 15W * 1", "1998-11-01T12:47:10", "1998-11-16T00:59:00");
        assertNext("59 0 15W * 1", "1998-11-16T00:59:00", "1998-12-15T00:59:00");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Expressions that never fire.
    // ---------------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
        "0 0 30 2 *",
        "0 0 31 2 *",
        "0 0 31 4 *",
        "0 0 31 4,6,9,11 *",
        "0 0 30,31 feb *",
        "* * 31 2,4 * *",
        "0 0 29 2 * 0 2097-2099",
        "0 0 1 1 * 0 1970"
    })
    @Timeout(5)
    void shouldReturnNoNextForImpossibleDates(final String expression)
    {
        assertThat(CronExpression.isValid(expression)).isTrue();
        final CronExpression cron = CronExpression.parse(expression);
        for (final String after : new String[]{ "1970-01-01T00:00:00", "2024-06-15T12:00:00", "2200-01-01T00:00:00" })
        {
            assertThat(cron.nextAfter(millis(after))).isEqualTo(NO_NEXT);
        }
    }

    @Test
    void shouldStopAtTheEdgesOfTime()
    {
        final CronExpression everyMinute = CronExpression.parse("* * * * *");
        assertThat(everyMinute.nextAfter(Long.MAX_VALUE)).isEqualTo(NO_NEXT);
        assertThat(everyMinute.nextAfter(Long.MAX_VALUE - 1)).isEqualTo(NO_NEXT);

        final long first = everyMinute.nextAfter(Long.MIN_VALUE);
        assertThat(first).isGreaterThan(Long.MIN_VALUE);
        assertThat(first - Long.MIN_VALUE).isLessThanOrEqualTo(60_000L);
        assertThat(everyMinute.matches(first)).isTrue();

        final CronExpression in1970 = CronExpression.parse("0 0 1 1 * 0 1970");
        assertThat(iso(in1970.nextAfter(Long.MIN_VALUE))).isEqualTo("1970-01-01T00:00:00");

        final CronExpression yearly = CronExpression.parse("@yearly");
        final long year291M = LocalDateTime.of(291_999_999, 6, 1, 0, 0).toEpochSecond(ZoneOffset.UTC) * 1000;
        assertThat(iso(yearly.nextAfter(year291M))).isEqualTo("+292000000-01-01T00:00:00");
        assertThat(yearly.nextAfter(yearly.nextAfter(year291M))).isEqualTo(NO_NEXT);
    }

    @Test
    void shouldMatchOnlyWholeSecondsThatEveryFieldAccepts()
    {
        final CronExpression cron = CronExpression.parse("30 10 * * mon");
        assertThat(cron.matches(millis("2024-01-01T10:30:00"))).isTrue();
        assertThat(cron.matches(millis("2024-01-01T10:30:00") + 1)).isFalse();
        assertThat(cron.matches(millis("2024-01-01T10:30:01"))).isFalse();
        assertThat(cron.matches(millis("2024-01-02T10:30:00"))).isFalse();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Where ExoState gives the plain reading and croniter a surprising one (see the class javadoc).
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void shouldReadSingleValueRangeAsThatValue()
    {
        // croniter: every minute.
        assertNext("5-5 * * * *", "2024-01-01T10:07:00", "2024-01-01T11:05:00");
        // croniter: every day.
        assertNext("0 0 * * 0-0", "2024-01-01T00:00:00", "2024-01-07T00:00:00");
    }

    @Test
    void shouldWalkStepsAcrossTheWrap()
    {
        // 50, 57, then 64 - 60 = 4: croniter gives 5 here, but 0 and 2 for "22-2/2" in hours.
        assertNext("50-10/7 * * * *", "2024-01-01T10:57:00", "2024-01-01T11:04:00");
        assertNext("0 20-3/3 * * *", "2024-01-01T20:00:00", "2024-01-01T23:00:00");
        assertNext("0 20-3/3 * * *", "2024-01-01T23:00:00", "2024-01-02T02:00:00");
    }

    @Test
    void shouldOrNthWeekdayWithARestrictedDayOfMonth()
    {
        // croniter raises CroniterBadDateError; the 1st or the second Monday.
        assertNext("0 0 1 * 1#2", "2024-01-01T00:00:00", "2024-01-08T00:00:00");
        assertNext("0 0 1 * 1#2", "2024-01-08T00:00:00", "2024-02-01T00:00:00");
    }

    @Test
    void shouldFireWhereCroniterFailsToFindADate()
    {
        // An impossible day-of-month ORed with Mondays: the Mondays of February.
        assertNext("0 0 30 2 mon", "2024-01-01T00:00:00", "2024-02-05T00:00:00");
        // Nearest weekday with a weekend-only day-of-week: the day-of-week has no effect.
        assertNext("0 0 15W * sat-sun", "2024-06-01T00:00:00", "2024-06-14T00:00:00");
    }

    @Test
    void shouldOrAStepDayOfMonthWithTheWholeWeek()
    {
        // croniter: the 1st, 16th and 31st only.
        assertNext("0 0 */15 * 1-7", "2024-01-01T00:00:00", "2024-01-02T00:00:00");
    }

    @Test
    void shouldSearchExplicitYearsToTheirEnd()
    {
        // croniter gives up about 50 years ahead, and on some year ranges.
        assertNext("0 0 1 1 * 0 2099", "2024-01-01T00:00:00", "2099-01-01T00:00:00");
        assertNext("0 0 29 2 * 0 2024-2030", "2024-01-01T00:00:00", "2024-02-29T00:00:00");
        assertNext("0 0 29 2 * 0 2024-2030", "2024-02-29T00:00:00", "2028-02-29T00:00:00");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rejections. Each text here is also rejected by croniter.is_valid, except the last group.
    // ---------------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
        "", "   ", "* * * *", "* * * * * * * *", "x y z w v",
        "60 * * * *", "0 24 * * *", "0 0 0 * *", "0 0 32 * *", "0 0 * 0 *", "0 0 * 13 *", "0 0 * * 8",
        "* * * * * 60", "* * * * * * 1969", "* * * * * * 2100", "99999999999999999999 * * * *",
        "0 0 1-32 * *", "0 0-24 * * *", "0 0 * * mon-8", "0 0 * jan-13 *", "0 0 1 jan 1-8",
        "*/0 * * * *", "*/ * * * *", "/5 * * * *", "5/ * * * *", "0 0 1 1 * 0 2099/0",
        "1-2-3 * * * *", "1/2/3 * * * *", "*-5 * * * *", "5-* * * * *", "-1 * * * *", "1- * * * *",
        "1,,2 * * * *", ",1 * * * *", "1, * * * *", "+1 * * * *", "1.5 * * * *", "a * * * *",
        "0 0 * * MONDAY", "0 0 * JANUARY *", "jan * * * *", "0 mon * * *", "0 0 mon * *", "0 0 * * jan",
        "0 0 * * L", "0 0 * * 5L", "0 0 L-5 * *", "0 0 L/2 * *", "0 0 */L * *", "0 L * * *", "0 0 * L *",
        "* * * * * l", "0 0 L5 * *", "0 0 1 * l",
        "0 0 LW * *", "0 0 W * *", "0 0 1W,15 * *", "0 0 1-15W * *", "0 0 0W * *", "0 0 32W * *",
        "0 0 15W/2 * *", "0 0 */2w * *",
        "? * * * *", "0 ? * * *", "0 0 * ? *", "0 0 ?,1 * *", "0 0 ?/2 * *", "0 0 * * ?,1", "0 0 * * * ?",
        "0 0 * * * * ?",
        "0 0 * * 5#6", "0 0 * * 5#0", "0 0 * * 8#1", "0 0 * * 1-3#2", "0 0 * * 1#2/2", "0 0 * * 1#",
        "0 0 * * #2", "0 0 * * 1#99999999999999", "0 0 1 * 1#-1", "0 0 * * L8", "0 0 * * Lmon",
        "0 0 * * 1,L5", "0 0 * * 1-2,1#2", "0 0 * * 1#2,2",
        "H * * * *", "@reboot", "@minutely", " @daily", "@daily ", "@yearly x",
        // Accepted by croniter, rejected here on purpose:
        "R * * * *", "0 0 * * R", "0 0 1-0 * *"
    })
    void shouldRejectInvalidExpressions(final String expression)
    {
        assertThat(CronExpression.isValid(expression)).isFalse();
        assertThatThrownBy(() -> CronExpression.parse(expression))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("Invalid cron expression '" + expression + "': ");
    }

    @Test
    void shouldSayPreciselyWhatIsWrong()
    {
        assertRejected("* * * *", "expected 5, 6 or 7 fields");
        assertRejected("60 * * * *", "minute value 60 is out of range 0-59");
        assertRejected("0 0 * 13 *", "month value 13 is out of range 1-12");
        assertRejected("0 0 * * 8", "day-of-week value 8 is out of range 0-7");
        assertRejected("*/0 * * * *", "step 0 in the minute field must be at least 1");
        assertRejected("*/x * * * *", "step 'x' in the minute field must be a positive integer");
        assertRejected("1,,2 * * * *", "empty element in the minute field");
        assertRejected("0 0 * * monday", "'monday' is not a valid day-of-week value");
        assertRejected("0 ? * * *", "'?' is only allowed in the day-of-month and day-of-week fields");
        assertRejected("0 0 1,15W * *", "'W' can only follow a single day");
        assertRejected("0 0 * * 5#6", "occurrence 6 in '5#6' is out of range 1-5");
        assertRejected("0 0 * * 1,L5", "cannot mix plain weekdays with nth (#) or last (L) weekdays");
        assertRejected("R * * * *", "random 'R' values are not supported");
        assertRejected("H * * * *", "hashed 'H' values need a hash id");
        assertRejected("@reboot", "unknown alias");
        assertThatThrownBy(() -> CronExpression.parse(null)).isInstanceOf(NullPointerException.class);
        assertThat(CronExpression.isValid(null)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "* * * * *", "*/5 * * * *", "0 0 * * *", "@hourly", "@Daily", "  0 0 * * *  ", "0\t0 * * *",
        "0 0 1-31 * 1", "*/99999999999999999999 * * * *", "000 * * * *", "0 0 * * 7#1", "0 0 * * sun-sat",
        "0 0 * * 0-7", "0 0 1 * sun-mon#2", "* * * * * * *", "0 0 1 1 * 0 2030-2025", "0 0 * * 1#02"
    })
    void shouldAcceptWhatCroniterAccepts(final String expression)
    {
        assertThat(CronExpression.isValid(expression)).isTrue();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Identity.
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void shouldKeepTheTextAsGivenForIdentity()
    {
        final CronExpression daily = CronExpression.parse("@daily");
        final CronExpression midnight = CronExpression.parse("0 0 * * *");
        final CronExpression spaced = CronExpression.parse(" 0 0 * * * ");

        assertThat(spaced.expression()).isEqualTo(" 0 0 * * * ");
        assertThat(spaced.toString()).isEqualTo(" 0 0 * * * ");
        assertThat(daily).isEqualTo(CronExpression.parse("@daily"));
        assertThat(daily.hashCode()).isEqualTo(CronExpression.parse("@daily").hashCode());
        assertThat(daily).isNotEqualTo(midnight);
        assertThat(midnight).isNotEqualTo(spaced);
        assertThat(daily.nextAfter(0)).isEqualTo(midnight.nextAfter(0)).isEqualTo(spaced.nextAfter(0));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Properties: the skipping search finds the first instant that matches() accepts.
    // ---------------------------------------------------------------------------------------------------------

    private static final String[] MINUTES = { "*", "0", "*/15", "5,35", "10-20", "50-10", "*/7", "59" };
    private static final String[] HOURS = { "*", "0", "9-17", "*/6", "22-2", "23", "1,13" };
    private static final String[] DAYS_OF_MONTH = { "*", "1", "15", "L", "31", "29", "*/10", "1-7", "15W", "?" };
    private static final String[] MONTHS = { "*", "2", "jan,jul", "*/3", "nov-feb", "4-6" };
    private static final String[] DAYS_OF_WEEK = { "*", "0", "mon-fri", "sat,sun", "1#2", "L5", "?", "fri-mon" };
    private static final String[] SECONDS = { "", " 0", " */20", " 59", " 5-10" };

    @Test
    void shouldFindTheFirstMatchingInstant()
    {
        final SplittableRandom random = new SplittableRandom(20_240_101L);
        for (int i = 0; i < 300; i++)
        {
            final String dayOfMonth = pick(random, DAYS_OF_MONTH);
            final String month = pick(random, MONTHS);
            if ("31".equals(dayOfMonth) && "2".equals(month))
            {
                continue; // never fires: covered by shouldReturnNoNextForImpossibleDates
            }
            final String expression = pick(random, MINUTES) + " " + pick(random, HOURS) + " " + dayOfMonth + " " +
                month + " " + pick(random, DAYS_OF_WEEK) + pick(random, SECONDS);
            final CronExpression cron = CronExpression.parse(expression);
            final boolean withSeconds = expression.split(" ").length == 6;
            final long step = withSeconds ? 1000L : 60_000L;
            final long after = millis("2000-01-01T00:00:00") + random.nextLong(40L * 365 * 86_400_000L);

            final long fire = cron.nextAfter(after);
            assertThat(fire).as(expression).isGreaterThan(after).isNotEqualTo(NO_NEXT);
            assertThat(cron.matches(fire)).as(expression).isTrue();

            // Nothing matches in between: scan up to 50,000 steps (34 days by minute, 13 hours by second).
            final long firstCandidate = Math.floorDiv(after, step) * step + step;
            for (long t = firstCandidate, n = 0; t < fire && n < 50_000; t += step, n++)
            {
                if (cron.matches(t))
                {
                    fail("'%s' after %s fires at %s before %s", expression, iso(after), iso(t), iso(fire));
                }
            }
        }
    }

    @Test
    void shouldMatchTheCalendarOfJavaTime()
    {
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++)
        {
            final long day = i < 50_000 ? i - 25_000L : random.nextLong(-200_000_000L, 200_000_000L);
            final LocalDate date = LocalDate.ofEpochDay(day);
            final long civil = CronExpression.civilFromDays(day);
            assertThat(civil >> 9).isEqualTo(date.getYear());
            assertThat((civil >>> 5) & 15).isEqualTo(date.getMonthValue());
            assertThat(civil & 31).isEqualTo(date.getDayOfMonth());
            assertThat(CronExpression.daysFromCivil(date.getYear(), date.getMonthValue(), date.getDayOfMonth()))
                .isEqualTo(day);
            assertThat(CronExpression.weekday(date.getYear(), date.getMonthValue(), date.getDayOfMonth()))
                .isEqualTo(date.getDayOfWeek().getValue() % 7);
            assertThat(CronExpression.monthLength(date.getYear(), date.getMonthValue()))
                .isEqualTo(date.lengthOfMonth());
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private static String pick(final SplittableRandom random, final String[] choices)
    {
        return choices[random.nextInt(choices.length)];
    }

    private static void assertNext(final String expression, final String after, final String expected)
    {
        final long fire = CronExpression.parse(expression).nextAfter(millis(after));
        if (null == expected)
        {
            assertThat(fire).as("'%s' after %s", expression, after).isEqualTo(NO_NEXT);
        }
        else
        {
            assertThat(iso(fire)).as("'%s' after %s", expression, after).isEqualTo(expected);
        }
    }

    private static void assertRejected(final String expression, final String reason)
    {
        assertThatThrownBy(() -> CronExpression.parse(expression))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(reason);
    }

    /** An ISO local date-time read as UTC: explicit values, no clock. */
    private static long millis(final String isoLocal)
    {
        final LocalDateTime t = LocalDateTime.parse(isoLocal);
        return t.toEpochSecond(ZoneOffset.UTC) * 1000 + t.getNano() / 1_000_000;
    }

    private static String iso(final long epochMillis)
    {
        if (NO_NEXT == epochMillis)
        {
            return "NEVER";
        }
        final LocalDateTime t = LocalDateTime.ofEpochSecond(
            Math.floorDiv(epochMillis, 1000L), (int)Math.floorMod(epochMillis, 1000L) * 1_000_000, ZoneOffset.UTC);
        return 0 == t.getSecond() && 0 == t.getNano() ? t + ":00" : t.toString();
    }
}
