package dev.keygate.core.support;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import reactor.netty.NettyPipeline;

/**
 * Closes an HTTP/1.1 connection whose request head (request line and headers) is not complete
 * within a deadline: from the moment the connection opens, or from the first byte of each later
 * request on a keep-alive connection. A request answered before its body is complete (a 401 to an
 * upload) gets the same deadline for the rest of its body; the answer to an earlier pipelined
 * request does not count as that (heads read and responses completed are counted). Reactor Netty
 * has timeouts for the request body ({@code readTimeout}, {@code requestTimeout}) and for idle
 * connections ({@code idleTimeout}, reset by every byte read), but none for the head, so a client
 * trickling one header line a second (slowloris) holds its connection open for as long as it likes.
 * Idle keep-alive connections between requests are left to {@code server.netty.idle-timeout}, so a
 * load balancer's pool is not cut short.
 *
 * <p>Two handlers share one deadline per connection: one first in the pipeline sees every byte
 * arrive (and arms the deadline when a new request starts), one after the HTTP codec sees the head
 * decoded (and disarms it). After a protocol upgrade (WebSocket), when the codec has left the
 * pipeline, both remove themselves. Installed only on connections whose pipeline has Reactor
 * Netty's HTTP/1.1 codec when the connection opens (cleartext HTTP/1.1, and TLS without HTTP/2): an
 * HTTP/2 or ALPN-negotiated connection is not timed here. All of it runs on the connection's event
 * loop; nothing blocks.
 */
public final class HeaderReadTimeout {

    private static final String START = "keygate.headerReadTimeout.start";
    private static final String STOP = "keygate.headerReadTimeout.stop";

    private HeaderReadTimeout() {}

    /** A customizer that installs the deadline on every connection of a Reactor Netty server. */
    public static NettyServerCustomizer customizer(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(
                    "header read timeout must be positive, was " + timeout);
        }
        long nanos = timeout.toNanos();
        return server ->
                server.doOnChannelInit(
                        (observer, channel, remoteAddress) -> install(channel.pipeline(), nanos));
    }

    static void install(ChannelPipeline pipeline, long timeoutNanos) {
        if (pipeline.get(NettyPipeline.HttpCodec) == null) {
            return; // HTTP/2 or another protocol: not ours to time
        }
        Deadline deadline = new Deadline(timeoutNanos);
        pipeline.addFirst(START, deadline.start);
        pipeline.addAfter(NettyPipeline.HttpCodec, STOP, deadline.stop);
    }

    /** One connection's deadline; confined to its event loop. */
    private static final class Deadline {
        private final long timeoutNanos;
        private ScheduledFuture<?> timer;
        private boolean inRequest;
        private boolean forBody; // the timer runs for the rest of an answered request's body
        // requests whose head was read, and responses completed: with pipelining, a response
        // completed while a later request's body is read answers an earlier request, not that one
        private long heads;
        private long answered;

        final ChannelInboundHandlerAdapter start =
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) throws Exception {
                        arm(ctx);
                        super.channelActive(ctx);
                    }

                    @Override
                    public void handlerAdded(ChannelHandlerContext ctx) {
                        if (ctx.channel().isActive()) {
                            arm(ctx);
                        }
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg)
                            throws Exception {
                        if (ctx.pipeline().get(NettyPipeline.HttpCodec) == null) {
                            disarm();
                            ctx.pipeline().remove(this);
                            if (ctx.pipeline().get(STOP) != null) {
                                ctx.pipeline().remove(STOP);
                            }
                        } else if (!inRequest) {
                            arm(ctx);
                        }
                        super.channelRead(ctx, msg);
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                        disarm();
                        super.channelInactive(ctx);
                    }
                };

        final ChannelDuplexHandler stop =
                new ChannelDuplexHandler() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg)
                            throws Exception {
                        if (msg instanceof HttpRequest) {
                            disarm();
                            inRequest = true;
                            heads++;
                        }
                        if (msg instanceof LastHttpContent) {
                            inRequest = false;
                            if (forBody) {
                                disarm();
                            }
                        }
                        super.channelRead(ctx, msg);
                    }

                    @Override
                    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
                            throws Exception {
                        if (msg instanceof LastHttpContent && !isInformational(msg)) {
                            answered++;
                            if (inRequest && answered == heads) {
                                // the request being read is answered before its body is in (a
                                // 401 to an upload, say): the rest of the body gets the same
                                // deadline, or a client could trickle it for as long as the idle
                                // timeout allows
                                arm(ctx);
                                forBody = true;
                            }
                        }
                        super.write(ctx, msg, promise);
                    }
                };

        /** A 1xx answer ({@code 100 Continue}): the body is still to come, and welcome. */
        private static boolean isInformational(Object msg) {
            return msg instanceof HttpResponse response
                    && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        }

        Deadline(long timeoutNanos) {
            this.timeoutNanos = timeoutNanos;
        }

        private void arm(ChannelHandlerContext ctx) {
            if (timer == null) {
                timer =
                        ctx.executor()
                                .schedule(
                                        () -> {
                                            if (timer != null) {
                                                ctx.channel().close();
                                            }
                                        },
                                        timeoutNanos,
                                        TimeUnit.NANOSECONDS);
            }
        }

        private void disarm() {
            forBody = false;
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }
}
