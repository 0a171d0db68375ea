package io.exostate.bench;

import io.exostate.core.engine.Engine;
import io.exostate.core.engine.EngineConfig;
import io.exostate.core.engine.Payloads;
import io.exostate.core.engine.Views;
import io.exostate.core.template.NodeTemplateSpec;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Heap per live state: builds an engine holding {@code count} CREATED states, forces GC until the heap settles,
 * and prints the retained heap per state with the payload (the states' input and output arrays, each counted as
 * {@code 16 + length} rounded up to 8) taken out, then the classes that grew, per state.
 * <p>
 * Usage: {@code HeapPerState [fanout|single|retired] [count]}.
 * <ul>
 *   <li>{@code fanout} (default): the {@link Workload} leaf pool, {@code count / 100} runs of
 *   {@code root -> 100 leaves}; the runs and their SUCCESS roots are overhead shared by 100 leaves.</li>
 *   <li>{@code single}: 100 single-node graphs (one per node name), {@code count} runs of one CREATED state each:
 *   every state pays for a whole run.</li>
 *   <li>{@code retired}: as {@code single}, then every state executed with one small output (so every run is
 *   finished), measured; then one command past the run retention window (SPEC decision 13), measured again: the
 *   heap a finished run holds before and after it retires.</li>
 * </ul>
 * Run it alone in its JVM (the exec execution {@code heap} gives it a fixed 2 GB heap): the measurement is the
 * difference of used heap before and after building, so anything else allocating in between would count.
 */
public final class HeapPerState
{
    private static final Pattern HISTOGRAM_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

    private HeapPerState()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final String layout = args.length > 0 ? args[0] : "fanout";
        final int count = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        if (!layout.equals("fanout") && !layout.equals("single") && !layout.equals("retired") ||
            count < Workload.NODE_NAMES || count % Workload.NODE_NAMES != 0)
        {
            throw new IllegalArgumentException("Expected [fanout|single|retired] [count, a multiple of 100], but got " +
                String.join(" ", args));
        }
        if (layout.equals("retired"))
        {
            retired(count);
            return;
        }

        // A small engine first, so class loading and static initialisation happen before the baseline.
        Reference.reachabilityFence(build(layout, 1_000));

        // The histogram first: it stays reachable through both measurements, so it cancels out.
        final Map<String, long[]> histogramBefore = histogram();
        final long before = settledUsedHeap();
        final Workload w = build(layout, count);
        final long after = settledUsedHeap();
        final Map<String, long[]> histogramAfter = histogram();

        final Engine engine = w.engine;
        final int states = engine.stateCount();
        final IdentityHashMap<byte[], Boolean> payloads = new IdentityHashMap<>();
        for (long id = 1; id <= states; id++)
        {
            final Views.NodeDetails d = engine.state(id);
            payloads.put(d.inputs(), Boolean.TRUE);
            payloads.put(d.outputs(), Boolean.TRUE);
        }
        payloads.remove(Payloads.EMPTY_MAP); // a shared constant, already in the baseline
        long payloadBytes = 0;
        for (final byte[] p : payloads.keySet())
        {
            payloadBytes += align8(16 + p.length);
        }

        final long retained = after - before;
        final long nonPayload = retained - payloadBytes;
        System.out.printf("layout %s: %,d CREATED states, %,d states in the engine%n", layout, count, states);
        System.out.printf("JVM %s, max heap %,d MB%n", System.getProperty("java.vm.version"),
            Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("used heap before %,d B, after %,d B: retained %,d B%n", before, after, retained);
        System.out.printf("payload arrays %,d (%,d B)%n", payloads.size(), payloadBytes);
        System.out.printf("bytes per CREATED state excluding payload: %.1f%n", (double)nonPayload / count);
        System.out.printf("bytes per state (all %,d) excluding payload: %.1f%n", states, (double)nonPayload / states);
        System.out.printf("bytes per CREATED state including payload: %.1f%n", (double)retained / count);

        System.out.printf("%nclasses that grew (bytes per CREATED state, instances per CREATED state):%n");
        final List<Map.Entry<String, long[]>> grown = new ArrayList<>();
        for (final Map.Entry<String, long[]> e : histogramAfter.entrySet())
        {
            final long[] b = histogramBefore.getOrDefault(e.getKey(), new long[2]);
            final long bytes = e.getValue()[1] - b[1];
            if (bytes > count / 100)
            {
                grown.add(Map.entry(e.getKey(), new long[]{e.getValue()[0] - b[0], bytes}));
            }
        }
        grown.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
        for (final Map.Entry<String, long[]> e : grown)
        {
            System.out.printf("  %8.1f B  %6.3f  %s%n", (double)e.getValue()[1] / count, (double)e.getValue()[0] / count,
                e.getKey());
        }
        Reference.reachabilityFence(w);
    }

    private static void retired(final int runs) throws InterruptedException
    {
        Reference.reachabilityFence(build("single", 1_000));
        final long before = settledUsedHeap();
        final Workload w = build("single", runs);
        final byte[] outputs = Payloads.encodeList(List.of(Map.of("result", "r")));
        int executed = 0;
        for (int i = 0; i < Workload.NODE_NAMES; i++)
        {
            executed += w.claimAndExecuteAll(Workload.leafName(i), outputs);
        }
        final long finished = settledUsedHeap();
        final int statesBefore = w.engine.stateCount();
        w.engine.tick(w.now + EngineConfig.RUN_RETENTION_MS_DEFAULT);
        final long retired = settledUsedHeap();
        System.out.printf("layout retired: %,d runs of one state, %,d executed, %,d states in memory, then %,d after " +
            "one tick past the %d ms run retention (%,d runs retired)%n", runs, executed, statesBefore,
            w.engine.stateCount(), EngineConfig.RUN_RETENTION_MS_DEFAULT, w.engine.retiredRuns());
        System.out.printf("JVM %s, max heap %,d MB%n", System.getProperty("java.vm.version"),
            Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("bytes per finished run, payloads included: %.1f in memory, %.1f once retired%n",
            (double)(finished - before) / runs, (double)(retired - before) / runs);
        Reference.reachabilityFence(w);
    }

    private static Workload build(final String layout, final int count)
    {
        final Workload w = new Workload();
        if (layout.equals("fanout"))
        {
            w.defineLeafPool();
            w.addLeafRuns(count / Workload.NODE_NAMES);
            return w;
        }
        for (int i = 0; i < Workload.NODE_NAMES; i++)
        {
            w.register(Workload.leafName(i), List.of("item"), List.of("result"));
            final NodeTemplateSpec only = Workload.node(Workload.leafName(i), Workload.leafName(i),
                Map.of("item", "item-value"), List.of());
            w.upsert("g-" + Workload.leafName(i), List.of(only));
        }
        for (int r = 0; r < count; r++)
        {
            w.trigger("g-" + Workload.leafName(r % Workload.NODE_NAMES), Map.of());
        }
        return w;
    }

    private static long settledUsedHeap() throws InterruptedException
    {
        for (int i = 0; i < 5; i++)
        {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Class name to {instances, bytes}, from the JVM's own class histogram (which runs a full GC first). */
    private static Map<String, long[]> histogram() throws Exception
    {
        final String text = (String)ManagementFactory.getPlatformMBeanServer().invoke(
            new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
            new Object[]{new String[0]}, new String[]{String[].class.getName()});
        final Map<String, long[]> out = new HashMap<>();
        for (final String line : text.split("\n"))
        {
            final Matcher m = HISTOGRAM_LINE.matcher(line);
            if (m.find())
            {
                out.put(m.group(3), new long[]{Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
            }
        }
        return out;
    }

    private static long align8(final long n)
    {
        return (n + 7) & ~7L;
    }
}
