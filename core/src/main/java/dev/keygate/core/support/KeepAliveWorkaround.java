package dev.keygate.core.support;

/**
 * Reactor Netty 1.3.6 (the version Spring Boot 4.0.7 brings) can stop reading a keep-alive
 * connection after a request answered at once, such as a 405 from an actuator endpoint: the next
 * request on that connection never gets an answer (reactor/reactor-netty#4361, fixed after 1.3.7).
 * Reactor Netty's system property {@value #PROPERTY} avoids it. It must be set before Reactor
 * Netty's HTTP server classes load, so the runnable applications call {@link #apply()} when their
 * class loads. Applications that embed Keygate set it themselves ({@code -D}).
 */
public final class KeepAliveWorkaround {

    /** The Reactor Netty system property that avoids the stall. */
    public static final String PROPERTY = "reactor.netty.http.server.lastFlushWhenNoRead";

    private KeepAliveWorkaround() {}

    /** Sets {@value #PROPERTY} to {@code true}, unless the command line already chose. */
    public static void apply() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, "true");
        }
    }
}
