package io.exostate.core.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A cron expression with the syntax of Python's croniter (which Exosphere uses to validate trigger expressions
 * with {@code croniter.is_valid} and to step through fire times), evaluated in UTC over epoch milliseconds.
 * It never reads a clock: every answer is a pure function of the expression and the instant passed in.
 *
 * <h2>Syntax</h2>
 * <pre>
 *   minute hour day-of-month month day-of-week [second [year]]      (croniter puts seconds LAST)
 *
 *   field         values        extras
 *   second        0-59
 *   minute        0-59
 *   hour          0-23
 *   day-of-month  1-31          ?   L   a-L   nW
 *   month         1-12          jan-dec
 *   day-of-week   0-7           sun-sat, 0 and 7 are Sunday   ?   n#k   Ln
 *   year          1970-2099
 * </pre>
 * With a seconds field (six or seven fields) croniter limits day-of-week to 0-6: a numeric 7 is refused there,
 * and so it is here ({@code sun} still works).
 * Fields are separated by whitespace (as Python's {@code str.split()}: leading and trailing whitespace is
 * ignored). Each field is a comma list of elements; an element is {@code *}, a value {@code a}, a range
 * {@code a-b}, or one of those with a step: <code>*&#47;n</code>, {@code a/n} (a up to the field's end), {@code a-b/n}.
 * Names and the letters L and W are case-insensitive; values may carry leading zeros. Steps are integers
 * &gt;= 1; a step larger than the range just selects its start. A range whose start is after its end wraps
 * around ({@code 22-2} is 22, 23, 0, 1, 2) and a step walks on across the wrap ({@code 22-2/2} is 22, 0, 2).
 * Aliases, matched case-insensitively against the whole text with no surrounding whitespace:
 * {@code @yearly @annually} = {@code 0 0 1 1 *}, {@code @monthly} = {@code 0 0 1 * *}, {@code @weekly} =
 * {@code 0 0 * * 0}, {@code @daily @midnight} = {@code 0 0 * * *}, {@code @hourly} = {@code 0 * * * *}.
 * <p>
 * Day-of-month extras: {@code ?} alone means {@code *}; {@code L} is the last day of the month, alone or in a
 * list ({@code L,15}) or as the end of a range ({@code 10-L}, {@code 1-L/10}); {@code nW} (the whole field) is
 * the weekday nearest to day n in the same month (n past the month's end means its last day; a Saturday 1st
 * gives Monday the 3rd, a Sunday last day gives the Friday before). With {@code nW} the day-of-week field is
 * parsed but has no effect, as in croniter.
 * Day-of-week extras: {@code ?} alone means {@code *}; {@code n#k} is the k-th (1-5) weekday n of the month
 * ({@code mon#2}; a range of names works too, {@code mon-wed#1}, a numeric range does not, as in croniter);
 * {@code Ln} is the last weekday n of the month ({@code L5}, last Friday). Such elements may be listed
 * together; a plain weekday listed with them must be one of their weekdays and then adds nothing, and a
 * {@code *} listed with them is ignored (croniter's behaviour).
 * <p>
 * When both day fields are restricted, a day matches when <em>either</em> matches (croniter's default
 * {@code day_or}, as vixie cron). A day field counts as unrestricted when it is {@code ?} or when one of its list
 * elements is exactly {@code *}; <code>*&#47;1</code> or {@code 1-31} count as restricted, as in croniter.
 *
 * <h2>Rejected (IllegalArgumentException with the reason)</h2>
 * Anything croniter rejects: a field count other than 5, 6 or 7; an unknown alias ({@code @reboot}); an
 * empty list element; a value or range end out of its field's range; a step of 0 or a non-integer step; more
 * than one {@code -} or {@code /}; {@code L} anywhere but the places above ({@code L-5}, {@code L/2},
 * {@code 5L}); {@code W} in a list, range or step or after a day outside 1-31; {@code ?} outside the day fields
 * or combined with anything; {@code n#k} with k outside 1-5; a bare {@code L} in day-of-week; full names
 * ({@code MONDAY}); hashed {@code H} values (croniter needs a hash id, Exosphere passes none).
 * Also rejected although croniter accepts them: random {@code R} values (a replicated engine must be
 * deterministic) and a day-of-month range ending at 0 ({@code 1-0}, out of range).
 *
 * <h2>Deliberate differences in next times</h2>
 * Croniter evaluates some odd but valid expressions in ways that look like defects; this class gives the
 * plain reading instead: a single-value range {@code 5-5} is 5 (croniter: every value); stepped wrap-around
 * ranges walk on across the wrap (croniter's result varies by field); {@code 7/2} in day-of-week is Sunday
 * plus every second day from it, as {@code 0/2}; an explicit year list is searched to its end (croniter stops
 * on a year about 50 years away, and fails on some year ranges); {@code 1#2} with a restricted day-of-month is an OR
 * like any other day pair (croniter fails to find a date); an impossible day-of-month ORed with weekdays
 * ({@code 0 0 30 2 mon}) fires on those weekdays (croniter fails to find a date); {@code nW} with a weekend-only
 * day-of-week fires on the nearest weekdays (croniter fails); a stepped <code>*&#47;n</code> day-of-month with a
 * day-of-week that lists the whole week is an OR, so every day (croniter reads it as the day-of-month alone,
 * although it ORs {@code 1} with the whole week). A random differential run against croniter 6.2.4 (7,000
 * expressions built from every feature above) found no other difference, in validity or in fire times.
 *
 * <h2>Impossible dates</h2>
 * An expression that never fires ({@code 0 0 30 2 *}, {@code 0 0 31 4,6 *}, or a year list whose years have no
 * such day) parses, as croniter's {@code is_valid} accepts it, and {@link #nextAfter(long)} returns
 * {@link #NO_NEXT} (croniter raises {@code CroniterBadDateError} from {@code get_next}).
 *
 * <h2>Identity</h2>
 * {@link #equals(Object)} and {@link #hashCode()} compare the expression text exactly as given: Exosphere keys
 * scheduled triggers by the raw string, so {@code @daily} and {@code 0 0 * * *} are two distinct triggers.
 * <p>
 * Thread safety: immutable. Allocation: {@link #parse(String)} allocates; {@link #nextAfter(long)} and
 * {@link #matches(long)} do not.
 */
public final class CronExpression
{
    /** Returned by {@link #nextAfter(long)} when the expression never fires again. */
    public static final long NO_NEXT = Long.MAX_VALUE;

    private static final long MILLIS_PER_SECOND = 1000L;
    private static final long SECONDS_PER_DAY = 86_400L;
    private static final int MIN_YEAR = 1970;
    private static final int MAX_YEAR = 2099;

    /**
     * The Gregorian calendar repeats every 400 years, weekdays included (146,097 days is a whole number of
     * weeks), so a pattern with no fire time in 401 years has none at all.
     */
    private static final int SEARCH_YEARS = 401;

    /** Beyond this year the epoch millisecond no longer fits a long. */
    private static final int MAX_CALENDAR_YEAR = 292_000_000;

    private static final int[] DAYS_IN_MONTH = { 0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    private static final int[] MAX_DAYS_IN_MONTH = { 0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    private static final long ALL_DAYS_OF_MONTH = 0xFFFF_FFFEL;
    private static final int ALL_DAYS_OF_WEEK = 0x7F;

    private final String expression;
    private final long seconds;
    private final long minutes;
    private final int hours;
    private final long daysOfMonth;
    private final boolean lastDayOfMonth;
    private final int nearestWeekdayTo;
    private final int months;
    private final int daysOfWeek;
    private final long nthDaysOfWeek;
    private final int lastDaysOfWeek;
    private final long[] years;
    private final int lastYear;
    private final boolean dayOr;
    private final boolean daysOfMonthOnly;
    private final boolean satisfiable;

    private CronExpression(final Builder b)
    {
        expression = b.expression;
        seconds = b.seconds;
        minutes = b.minutes;
        hours = b.hours;
        daysOfMonth = b.daysOfMonth;
        lastDayOfMonth = b.lastDayOfMonth;
        nearestWeekdayTo = b.nearestWeekdayTo;
        months = b.months;
        daysOfWeek = b.daysOfWeek;
        nthDaysOfWeek = b.nthDaysOfWeek;
        lastDaysOfWeek = b.lastDaysOfWeek;
        years = b.years;
        dayOr = !b.dayOfMonthStar && !b.dayOfWeekStar;

        int last = -1;
        if (null != years)
        {
            for (int y = MAX_YEAR; y >= MIN_YEAR; y--)
            {
                if (yearAllowed(y))
                {
                    last = y;
                    break;
                }
            }
        }
        lastYear = last;

        // With day-of-week unrestricted and no L or W, a day matches exactly when its bit is set: jump to it.
        daysOfMonthOnly = !dayOr && b.dayOfWeekStar && !lastDayOfMonth && 0 == nearestWeekdayTo;
        satisfiable = !daysOfMonthOnly || anyDayFitsAMonth(daysOfMonth, months);
    }

    /**
     * Parses a croniter expression.
     *
     * @param expression the text as given; kept unchanged for {@link #expression()} and equality.
     * @return the parsed expression.
     * @throws IllegalArgumentException with a message naming the field and the reason when croniter would
     *                                  reject the text, or when it uses a feature listed as rejected above.
     * @throws NullPointerException     when {@code expression} is null.
     */
    public static CronExpression parse(final String expression)
    {
        Objects.requireNonNull(expression, "expression");
        final String lower = expression.toLowerCase(Locale.ROOT);
        final String text;
        if (lower.startsWith("@"))
        {
            text = alias(lower);
            if (null == text)
            {
                throw invalid(expression, "unknown alias, expected one of @yearly, @annually, @monthly, " +
                    "@weekly, @daily, @midnight, @hourly with no surrounding whitespace");
            }
        }
        else
        {
            text = lower;
        }

        final List<String> fields = splitOnWhitespace(text);
        if (fields.size() < 5 || fields.size() > 7)
        {
            throw invalid(expression, "expected 5, 6 or 7 fields " +
                "(minute hour day-of-month month day-of-week [second [year]]), found " + fields.size());
        }

        final Builder b = new Builder(expression);
        b.minutes = toMask(parseField(expression, Field.MINUTE, fields.get(0)), 0);
        b.hours = (int)toMask(parseField(expression, Field.HOUR, fields.get(1)), 0);
        parseDayOfMonth(expression, fields.get(2), b);
        b.months = (int)toMask(parseField(expression, Field.MONTH, fields.get(3)), 1);
        parseDayOfWeek(expression, fields.get(4), fields.size() > 5 ? 6 : Field.DAY_OF_WEEK.max, b);
        if (0 != b.nearestWeekdayTo)
        {
            // Croniter: with nW the day-of-week field is checked but has no effect.
            b.daysOfWeek = ALL_DAYS_OF_WEEK;
            b.nthDaysOfWeek = 0;
            b.lastDaysOfWeek = 0;
            b.dayOfWeekStar = true;
        }
        b.seconds = fields.size() > 5 ? toMask(parseField(expression, Field.SECOND, fields.get(5)), 0) : 1L;
        if (fields.size() > 6 && !"*".equals(fields.get(6)))
        {
            final boolean[] values = parseField(expression, Field.YEAR, fields.get(6));
            b.years = new long[(values.length + 63) / 64];
            for (int i = 0; i < values.length; i++)
            {
                if (values[i])
                {
                    b.years[i >>> 6] |= 1L << (i & 63);
                }
            }
        }

        return new CronExpression(b);
    }

    /**
     * Whether {@link #parse(String)} accepts the text: the counterpart of croniter's {@code is_valid}.
     *
     * @param expression the text, null gives false.
     * @return true when the text parses.
     */
    public static boolean isValid(final String expression)
    {
        if (null == expression)
        {
            return false;
        }
        try
        {
            parse(expression);
            return true;
        }
        catch (final IllegalArgumentException ignore)
        {
            return false;
        }
    }

    /**
     * The expression text exactly as given to {@link #parse(String)}.
     *
     * @return the original text.
     */
    public String expression()
    {
        return expression;
    }

    /**
     * The first fire time strictly after an instant, in UTC. Fire times are whole seconds (whole minutes for a
     * five-field expression). The search skips by field (year, month, day, hour, minute, second), so its cost
     * does not depend on how far away the answer is, beyond one step per candidate day in the months it visits.
     *
     * @param epochMillis any instant, in milliseconds since 1970-01-01T00:00:00Z.
     * @return the fire time in epoch milliseconds, or {@link #NO_NEXT} when the expression never fires after
     * {@code epochMillis} (an impossible date, a year list that has run out, or beyond the year 292,000,000).
     */
    public long nextAfter(final long epochMillis)
    {
        if (!satisfiable)
        {
            return NO_NEXT;
        }

        final long epochSecond = Math.floorDiv(epochMillis, MILLIS_PER_SECOND) + 1;
        final int secondOfDay = (int)Math.floorMod(epochSecond, SECONDS_PER_DAY);
        final long civil = civilFromDays(Math.floorDiv(epochSecond, SECONDS_PER_DAY));
        final long startYear = civil >> 9;
        if (startYear > MAX_CALENDAR_YEAR)
        {
            return NO_NEXT;
        }

        int year = (int)startYear;
        int month = (int)((civil >>> 5) & 15);
        int day = (int)(civil & 31);
        int hour = secondOfDay / 3600;
        int minute = secondOfDay / 60 % 60;
        int second = secondOfDay % 60;
        // A year list ends by 2099 and is reached by a jump; otherwise the 400-year cycle bounds the search.
        final long yearLimit = null != years ? lastYear : Math.min(startYear + SEARCH_YEARS, MAX_CALENDAR_YEAR);

        while (true)
        {
            if (second > 59)
            {
                second = 0;
                minute++;
            }
            if (minute > 59)
            {
                minute = 0;
                hour++;
            }
            if (hour > 23)
            {
                hour = 0;
                day++;
            }
            if (month <= 12 && day > monthLength(year, month))
            {
                day = 1;
                month++;
            }
            if (month > 12)
            {
                month = 1;
                year++;
            }
            if (year > yearLimit)
            {
                return NO_NEXT;
            }

            if (null != years && !yearAllowed(year))
            {
                final int nextYear = nextAllowedYear(year);
                if (nextYear < 0)
                {
                    return NO_NEXT;
                }
                year = nextYear;
                month = 1;
                day = 1;
                hour = 0;
                minute = 0;
                second = 0;
                continue;
            }

            final int nextMonth = nextBit(months, month);
            if (nextMonth < 0)
            {
                month = 13;
                day = 1;
                hour = 0;
                minute = 0;
                second = 0;
                continue;
            }
            if (nextMonth != month)
            {
                month = nextMonth;
                day = 1;
                hour = 0;
                minute = 0;
                second = 0;
            }

            final int length = monthLength(year, month);
            if (daysOfMonthOnly)
            {
                final int nextDay = nextBit(daysOfMonth, day);
                if (nextDay < 0 || nextDay > length)
                {
                    day = 32;
                    hour = 0;
                    minute = 0;
                    second = 0;
                    continue;
                }
                if (nextDay != day)
                {
                    day = nextDay;
                    hour = 0;
                    minute = 0;
                    second = 0;
                }
            }
            else if (!dayMatches(year, month, day, length))
            {
                day++;
                hour = 0;
                minute = 0;
                second = 0;
                continue;
            }

            final int nextHour = nextBit(hours, hour);
            if (nextHour < 0)
            {
                hour = 24;
                minute = 0;
                second = 0;
                continue;
            }
            if (nextHour != hour)
            {
                hour = nextHour;
                minute = 0;
                second = 0;
            }

            final int nextMinute = nextBit(minutes, minute);
            if (nextMinute < 0)
            {
                minute = 60;
                second = 0;
                continue;
            }
            if (nextMinute != minute)
            {
                minute = nextMinute;
                second = 0;
            }

            final int nextSecond = nextBit(seconds, second);
            if (nextSecond < 0)
            {
                second = 60;
                continue;
            }

            final long days = daysFromCivil(year, month, day);
            return ((days * SECONDS_PER_DAY) + hour * 3600L + minute * 60L + nextSecond) * MILLIS_PER_SECOND;
        }
    }

    /**
     * Whether the expression fires exactly at an instant, in UTC.
     *
     * @param epochMillis any instant, in milliseconds since the epoch.
     * @return true when the instant is a whole second that every field accepts.
     */
    public boolean matches(final long epochMillis)
    {
        if (0 != Math.floorMod(epochMillis, MILLIS_PER_SECOND))
        {
            return false;
        }
        final long epochSecond = Math.floorDiv(epochMillis, MILLIS_PER_SECOND);
        final int secondOfDay = (int)Math.floorMod(epochSecond, SECONDS_PER_DAY);
        final long civil = civilFromDays(Math.floorDiv(epochSecond, SECONDS_PER_DAY));
        final int year = (int)(civil >> 9);
        final int month = (int)((civil >>> 5) & 15);
        final int day = (int)(civil & 31);

        return (null == years || yearAllowed(year)) &&
            0 != ((months >>> month) & 1) &&
            dayMatches(year, month, day, monthLength(year, month)) &&
            0 != ((hours >>> (secondOfDay / 3600)) & 1) &&
            0 != ((minutes >>> (secondOfDay / 60 % 60)) & 1) &&
            0 != ((seconds >>> (secondOfDay % 60)) & 1);
    }

    /** Equal when the expression texts are identical (see the class javadoc). */
    public boolean equals(final Object o)
    {
        return this == o || (o instanceof CronExpression && expression.equals(((CronExpression)o).expression));
    }

    public int hashCode()
    {
        return expression.hashCode();
    }

    public String toString()
    {
        return expression;
    }

    private boolean dayMatches(final int year, final int month, final int day, final int length)
    {
        final boolean dayOfMonthMatch =
            0 != ((daysOfMonth >>> day) & 1) ||
            (lastDayOfMonth && day == length) ||
            (0 != nearestWeekdayTo && day == nearestWeekday(year, month, length));

        if (!dayOr && daysOfWeek == ALL_DAYS_OF_WEEK)
        {
            return dayOfMonthMatch;
        }

        final int weekday = weekday(year, month, day);
        final boolean dayOfWeekMatch =
            0 != ((daysOfWeek >>> weekday) & 1) ||
            0 != ((nthDaysOfWeek >>> (weekday * 8 + (day - 1) / 7 + 1)) & 1) ||
            (0 != ((lastDaysOfWeek >>> weekday) & 1) && day + 7 > length);

        return dayOr ? dayOfMonthMatch || dayOfWeekMatch : dayOfMonthMatch && dayOfWeekMatch;
    }

    private int nearestWeekday(final int year, final int month, final int length)
    {
        final int target = Math.min(nearestWeekdayTo, length);
        final int weekday = weekday(year, month, target);
        if (6 == weekday)
        {
            return 1 == target ? 3 : target - 1;
        }
        if (0 == weekday)
        {
            return length == target ? target - 2 : target + 1;
        }
        return target;
    }

    private boolean yearAllowed(final int year)
    {
        if (year < MIN_YEAR || year > MAX_YEAR)
        {
            return false;
        }
        final int i = year - MIN_YEAR;
        return 0 != ((years[i >>> 6] >>> (i & 63)) & 1);
    }

    private int nextAllowedYear(final int year)
    {
        for (int y = Math.max(year, MIN_YEAR); y <= MAX_YEAR; y++)
        {
            if (yearAllowed(y))
            {
                return y;
            }
        }
        return -1;
    }

    /** The lowest set bit at or above {@code from}, or -1. {@code from} is in [0, 63]. */
    private static int nextBit(final long mask, final int from)
    {
        final long remaining = mask & (-1L << from);
        return 0 == remaining ? -1 : Long.numberOfTrailingZeros(remaining);
    }

    private static boolean anyDayFitsAMonth(final long daysOfMonth, final int months)
    {
        for (int month = 1; month <= 12; month++)
        {
            if (0 != ((months >>> month) & 1) && 0 != (daysOfMonth & ((2L << MAX_DAYS_IN_MONTH[month]) - 2)))
            {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Proleptic Gregorian calendar over day numbers (day 0 = 1970-01-01), after the era-based algorithms
    // published by H. Hinnant ("chrono-compatible low-level date algorithms"): an era is 400 years.
    // ---------------------------------------------------------------------------------------------------------

    static boolean isLeapYear(final int year)
    {
        return 0 == (year & 3) && (0 != year % 100 || 0 == year % 400);
    }

    static int monthLength(final int year, final int month)
    {
        return 2 == month && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month];
    }

    /** 0 = Sunday ... 6 = Saturday; 1970-01-01 was a Thursday. */
    static int weekday(final int year, final int month, final int day)
    {
        return (int)Math.floorMod(daysFromCivil(year, month, day) + 4, 7L);
    }

    static long daysFromCivil(final int year, final int month, final int day)
    {
        final int y = month <= 2 ? year - 1 : year;
        final long era = Math.floorDiv(y, 400);
        final int yearOfEra = (int)(y - era * 400);
        final int shiftedMonth = month > 2 ? month - 3 : month + 9;
        final int dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1;
        final int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097 + dayOfEra - 719_468;
    }

    /** Packs {@code year << 9 | month << 5 | day}; the year may be negative (decode it with {@code >>}). */
    static long civilFromDays(final long days)
    {
        final long z = days + 719_468;
        final long era = Math.floorDiv(z, 146_097L);
        final int dayOfEra = (int)(z - era * 146_097);
        final int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        final int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        final int shiftedMonth = (5 * dayOfYear + 2) / 153;
        final int day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1;
        final int month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
        final long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        return (year << 9) | ((long)month << 5) | day;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Parsing: a cold path, allocation is fine.
    // ---------------------------------------------------------------------------------------------------------

    private enum Field
    {
        SECOND("second", 0, 59, 59, null, 0),
        MINUTE("minute", 0, 59, 59, null, 0),
        HOUR("hour", 0, 23, 23, null, 0),
        DAY_OF_MONTH("day-of-month", 1, 31, 31, null, 0),
        MONTH("month", 1, 12, 12,
            new String[]{ "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec" }, 1),
        DAY_OF_WEEK("day-of-week", 0, 7, 6, new String[]{ "sun", "mon", "tue", "wed", "thu", "fri", "sat" }, 0),
        YEAR("year", MIN_YEAR, MAX_YEAR, MAX_YEAR, null, 0);

        final String label;
        final int min;
        final int max;
        /** Where {@code *} and {@code a/n} end: day-of-week stops at 6, as croniter ({@code 5/1} is Fri, Sat). */
        final int openEnd;
        final String[] names;
        final int firstNameValue;

        Field(
            final String label,
            final int min,
            final int max,
            final int openEnd,
            final String[] names,
            final int firstNameValue)
        {
            this.label = label;
            this.min = min;
            this.max = max;
            this.openEnd = openEnd;
            this.names = names;
            this.firstNameValue = firstNameValue;
        }
    }

    private static final class Builder
    {
        final String expression;
        long seconds;
        long minutes;
        int hours;
        long daysOfMonth;
        boolean lastDayOfMonth;
        int nearestWeekdayTo;
        boolean dayOfMonthStar;
        int months;
        int daysOfWeek;
        long nthDaysOfWeek;
        int lastDaysOfWeek;
        boolean dayOfWeekStar;
        long[] years;

        Builder(final String expression)
        {
            this.expression = expression;
        }
    }

    private static String alias(final String lower)
    {
        switch (lower)
        {
            case "@yearly":
            case "@annually":
                return "0 0 1 1 *";
            case "@monthly":
                return "0 0 1 * *";
            case "@weekly":
                return "0 0 * * 0";
            case "@daily":
            case "@midnight":
                return "0 0 * * *";
            case "@hourly":
                return "0 * * * *";
            default:
                return null;
        }
    }

    /** Python's {@code str.split()}: runs of whitespace separate, leading and trailing whitespace vanish. */
    private static List<String> splitOnWhitespace(final String text)
    {
        final List<String> fields = new ArrayList<>(7);
        int start = -1;
        for (int i = 0, length = text.length(); i <= length; i++)
        {
            final boolean separator = i == length || isPythonWhitespace(text.charAt(i));
            if (separator && start >= 0)
            {
                fields.add(text.substring(start, i));
                start = -1;
            }
            else if (!separator && start < 0)
            {
                start = i;
            }
        }
        return fields;
    }

    private static boolean isPythonWhitespace(final char c)
    {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || '\u0085' == c;
    }

    private static List<String> splitList(final String expression, final Field field, final String token)
    {
        final List<String> elements = new ArrayList<>(4);
        int start = 0;
        for (int i = 0, length = token.length(); i <= length; i++)
        {
            if (i == length || ',' == token.charAt(i))
            {
                if (i == start)
                {
                    throw invalid(expression, "empty element in the " + field.label + " field '" + token + "'");
                }
                elements.add(token.substring(start, i));
                start = i + 1;
            }
        }
        return elements;
    }

    private static void checkQuestionMark(final String expression, final Field field, final String token)
    {
        if (token.indexOf('?') >= 0)
        {
            if (Field.DAY_OF_MONTH != field && Field.DAY_OF_WEEK != field)
            {
                throw invalid(expression, "'?' is only allowed in the day-of-month and day-of-week fields");
            }
            throw invalid(expression, "'?' must stand alone in the " + field.label + " field, found '" + token + "'");
        }
    }

    private static boolean[] parseField(final String expression, final Field field, final String token)
    {
        checkQuestionMark(expression, field, token);
        final boolean[] values = new boolean[field.max - field.min + 1];
        for (final String element : splitList(expression, field, token))
        {
            parseRangeElement(expression, field, field.max, element, values, false);
        }
        return values;
    }

    private static void parseDayOfMonth(final String expression, final String token, final Builder b)
    {
        final Field field = Field.DAY_OF_MONTH;
        if ("?".equals(token))
        {
            b.dayOfMonthStar = true;
            b.daysOfMonth = ALL_DAYS_OF_MONTH;
            return;
        }
        checkQuestionMark(expression, field, token);

        if (token.indexOf('w') >= 0)
        {
            final String day = token.substring(0, token.length() - 1);
            if (token.indexOf(',') >= 0 || token.indexOf('-') >= 0 || token.indexOf('/') >= 0)
            {
                throw invalid(expression, "'W' can only follow a single day, not a list, range or step: '" +
                    token + "'");
            }
            if (!token.endsWith("w") || !isAllDigits(day))
            {
                throw invalid(expression, "'W' must follow a day number, as in 15W: '" + token + "'");
            }
            final long value = parseDigits(day);
            if (value < 1 || value > 31)
            {
                throw invalid(expression, "nearest-weekday day " + day + " is out of range 1-31");
            }
            b.nearestWeekdayTo = (int)value;
            return;
        }

        final boolean[] values = new boolean[31];
        for (final String element : splitList(expression, field, token))
        {
            if ("*".equals(element))
            {
                b.dayOfMonthStar = true;
                parseRangeElement(expression, field, field.max, element, values, false);
            }
            else if ("l".equals(element))
            {
                b.lastDayOfMonth = true;
            }
            else
            {
                parseRangeElement(expression, field, field.max, element, values, true);
            }
        }
        b.daysOfMonth = toMask(values, 1);
    }

    /**
     * @param max 7 in a five-field expression; 6 when there is a seconds field, where croniter refuses 7 as
     *            Sunday (names still work).
     */
    private static void parseDayOfWeek(final String expression, final String token, final int max, final Builder b)
    {
        final Field field = Field.DAY_OF_WEEK;
        if ("?".equals(token))
        {
            b.dayOfWeekStar = true;
            b.daysOfWeek = ALL_DAYS_OF_WEEK;
            return;
        }
        checkQuestionMark(expression, field, token);

        final boolean[] values = new boolean[8];
        boolean star = false;
        for (final String element : splitList(expression, field, token))
        {
            if ("*".equals(element))
            {
                star = true;
                parseRangeElement(expression, field, max, element, values, false);
            }
            else if (element.startsWith("l"))
            {
                final String weekday = element.substring(1);
                if (weekday.isEmpty() || !isAllDigits(weekday))
                {
                    throw invalid(expression, "'L' in the day-of-week field must be followed by a weekday " +
                        "number 0-7, as in L5 (the last Friday): '" + element + "'");
                }
                final long value = parseDigits(weekday);
                if (value > max)
                {
                    throw invalid(expression, "day-of-week value " + weekday + " is out of range 0-" + max);
                }
                b.lastDaysOfWeek |= 1 << (value % 7);
            }
            else if (element.indexOf('#') >= 0)
            {
                final int hash = element.indexOf('#');
                final boolean[] weekdays = parseNthWeekdays(expression, max, element.substring(0, hash));
                final String nth = element.substring(hash + 1);
                if (nth.isEmpty() || !isAllDigits(nth))
                {
                    throw invalid(expression, "'#' must be followed by an occurrence number 1-5, as in 1#2: '" +
                        element + "'");
                }
                final long k = parseDigits(nth);
                if (k < 1 || k > 5)
                {
                    throw invalid(expression, "occurrence " + nth + " in '" + element + "' is out of range 1-5");
                }
                for (int weekday = 0; weekday < 7; weekday++)
                {
                    if (weekdays[weekday])
                    {
                        b.nthDaysOfWeek |= 1L << (weekday * 8 + k);
                    }
                }
            }
            else
            {
                parseRangeElement(expression, field, max, element, values, false);
            }
        }

        values[0] |= values[7];
        final int literal = (int)toMask(values, 0) & ALL_DAYS_OF_WEEK;
        if (0 != b.nthDaysOfWeek || 0 != b.lastDaysOfWeek)
        {
            int special = b.lastDaysOfWeek;
            for (int weekday = 0; weekday < 7; weekday++)
            {
                if (0 != ((b.nthDaysOfWeek >>> (weekday * 8)) & 0xFF))
                {
                    special |= 1 << weekday;
                }
            }
            if (!star && 0 != (literal & ~special))
            {
                throw invalid(expression, "the day-of-week field cannot mix plain weekdays with nth (#) or " +
                    "last (L) weekdays: '" + token + "'");
            }
            // Croniter: listed with # or L, a plain weekday or * adds nothing.
            b.daysOfWeek = 0;
            b.dayOfWeekStar = false;
        }
        else
        {
            b.daysOfWeek = literal;
            b.dayOfWeekStar = star;
        }
    }

    /**
     * The weekdays before a {@code #}: one value, or a range of two names ({@code mon-wed#2}), which croniter
     * accepts while it refuses a numeric range there ({@code 1-3#2}).
     */
    private static boolean[] parseNthWeekdays(final String expression, final int max, final String text)
    {
        final Field field = Field.DAY_OF_WEEK;
        final boolean[] values = new boolean[8];
        final int dash = text.indexOf('-');
        if (dash < 0)
        {
            values[parseValue(expression, field, max, text) % 7] = true;
            return values;
        }

        final String start = text.substring(0, dash);
        final String end = text.substring(dash + 1);
        if (isAllDigits(start) || isAllDigits(end))
        {
            throw invalid(expression, "a range before '#' must use weekday names, as in mon-wed#2: '" + text + "'");
        }
        expand(field, parseValue(expression, field, max, start), parseValue(expression, field, max, end), 1, values);
        values[0] |= values[7];
        return values;
    }

    private static void parseRangeElement(
        final String expression,
        final Field field,
        final int max,
        final String element,
        final boolean[] values,
        final boolean lastDayEndsRange)
    {
        String range = element;
        long step = 1;
        boolean stepped = false;
        final int slash = element.indexOf('/');
        if (slash >= 0)
        {
            range = element.substring(0, slash);
            step = parseStep(expression, field, element.substring(slash + 1));
            stepped = true;
        }

        final int low;
        final int high;
        if ("*".equals(range))
        {
            low = field.min;
            high = field.openEnd;
        }
        else
        {
            final int dash = range.indexOf('-');
            if (dash < 0)
            {
                low = parseValue(expression, field, max, range);
                high = stepped ? field.openEnd : low;
            }
            else
            {
                final String end = range.substring(dash + 1);
                low = parseValue(expression, field, max, range.substring(0, dash));
                high = lastDayEndsRange && "l".equals(end) ? field.max : parseValue(expression, field, max, end);
            }
        }

        expand(field, low, high, step, values);
    }

    /** Sets {@code low, low + step, ...} up to {@code high}, walking around the field when low &gt; high. */
    private static void expand(
        final Field field, final int low, final int high, final long step, final boolean[] values)
    {
        int from = low;
        int to = high;
        int cycleMin = field.min;
        int cycleSize = field.max - field.min + 1;
        if (Field.DAY_OF_WEEK == field && from > to)
        {
            // 7 is Sunday: 7-1 is 0-1; 6-0 and 5-2 wrap around a seven-day week.
            from %= 7;
            to %= 7;
            cycleMin = 0;
            cycleSize = 7;
        }

        if (from <= to)
        {
            for (long v = from; v <= to; v += step)
            {
                values[(int)v - field.min] = true;
            }
        }
        else
        {
            final long span = to - from + cycleSize;
            for (long offset = 0; offset <= span; offset += step)
            {
                values[cycleMin + (int)((from - cycleMin + offset) % cycleSize) - field.min] = true;
            }
        }
    }

    private static int parseValue(final String expression, final Field field, final int max, final String text)
    {
        if (text.isEmpty())
        {
            throw invalid(expression, "missing " + field.label + " value");
        }
        if (isAllDigits(text))
        {
            final long value = parseDigits(text);
            if (value < field.min || value > max)
            {
                throw invalid(expression, field.label + " value " + text + " is out of range " + field.min + "-" +
                    max + (max < field.max ? " when the expression has a seconds field (croniter)" : ""));
            }
            return (int)value;
        }
        if (null != field.names)
        {
            for (int i = 0; i < field.names.length; i++)
            {
                if (field.names[i].equals(text))
                {
                    return i + field.firstNameValue;
                }
            }
        }
        throw invalid(expression, unknownValueReason(field, text));
    }

    private static String unknownValueReason(final Field field, final String text)
    {
        if ("r".equals(text))
        {
            return "random 'R' values are not supported: a replicated schedule must be deterministic";
        }
        if ("h".equals(text) || text.startsWith("h("))
        {
            return "hashed 'H' values need a hash id, which triggers never carry";
        }
        if ("l".equals(text) && Field.DAY_OF_MONTH == field)
        {
            return "'L' in the day-of-month field must stand alone or end a range, as in L or 10-L";
        }
        return "'" + text + "' is not a valid " + field.label + " value";
    }

    private static long parseStep(final String expression, final Field field, final String text)
    {
        if (text.isEmpty() || !isAllDigits(text))
        {
            throw invalid(expression, "step '" + text + "' in the " + field.label +
                " field must be a positive integer");
        }
        final long step = parseDigits(text);
        if (0 == step)
        {
            throw invalid(expression, "step " + text + " in the " + field.label + " field must be at least 1");
        }
        return step;
    }

    /** Decimal digits as Python's {@code int()} reads them, Unicode digits included. */
    private static boolean isAllDigits(final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            if (!Character.isDigit(text.charAt(i)))
            {
                return false;
            }
        }
        return !text.isEmpty();
    }

    /** Saturates at {@link Integer#MAX_VALUE}: any larger value is out of range or a step that selects one. */
    private static long parseDigits(final String text)
    {
        long value = 0;
        for (int i = 0; i < text.length(); i++)
        {
            value = Math.min(value * 10 + Character.digit(text.charAt(i), 10), Integer.MAX_VALUE);
        }
        return value;
    }

    private static long toMask(final boolean[] values, final int firstValue)
    {
        long mask = 0;
        for (int i = 0; i < values.length; i++)
        {
            if (values[i])
            {
                mask |= 1L << (i + firstValue);
            }
        }
        return mask;
    }

    private static IllegalArgumentException invalid(final String expression, final String reason)
    {
        return new IllegalArgumentException("Invalid cron expression '" + expression + "': " + reason);
    }
}
