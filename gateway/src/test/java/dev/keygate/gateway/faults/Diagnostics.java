package dev.keygate.gateway.faults;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Thread dumps for failures that look like a blocked event loop. */
final class Diagnostics {

    private Diagnostics() {}

    /**
     * Prints the blocked and waiting threads of the event loops, reactor schedulers and Lettuce,
     * with their stacks (top 40 frames), prefixed {@code [fault/threads]}.
     */
    static void printStuckThreads(String why) {
        System.out.printf("[fault/threads] %s%n", why);
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            String name = info.getThreadName();
            boolean interesting =
                    name.contains("EventLoop")
                            || name.startsWith("parallel")
                            || name.startsWith("boundedElastic")
                            || name.startsWith("reactor-http")
                            || name.startsWith("lettuce");
            if (!interesting || info.getThreadState() == Thread.State.RUNNABLE) {
                continue;
            }
            String stack =
                    Arrays.stream(info.getStackTrace())
                            .limit(40)
                            .map(frame -> "    at " + frame)
                            .collect(Collectors.joining("\n"));
            if (!stack.contains("keygate")
                    && !stack.contains("LettuceConnectionFactory")
                    && !stack.contains("getPartitions")) {
                continue; // idle event loops and pool threads
            }
            System.out.printf(
                    "[fault/threads] \"%s\" %s on %s held by %s%n%s%n",
                    name,
                    info.getThreadState(),
                    info.getLockName(),
                    info.getLockOwnerName(),
                    stack);
        }
    }
}
