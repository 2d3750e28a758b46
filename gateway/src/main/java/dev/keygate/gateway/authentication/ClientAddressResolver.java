package dev.keygate.gateway.authentication;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import org.springframework.cloud.gateway.support.ipresolver.RemoteAddressResolver;
import org.springframework.cloud.gateway.support.ipresolver.XForwardedRemoteAddressResolver;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * The address a request comes from, for throttling: Spring Cloud Gateway's {@link
 * RemoteAddressResolver}, with trust by address rather than by position. (SCG's {@link
 * XForwardedRemoteAddressResolver} trusts the n-th {@code X-Forwarded-For} entry from the right
 * whoever the peer is; here a client that is not a trusted proxy is never believed. A plugin user
 * who prefers SCG's may define it as the {@code RemoteAddressResolver} bean named {@code
 * keygateRemoteAddressResolver}.) It is the TCP peer, unless that peer is one of the configured
 * trusted proxies: then it is the right-most {@code X-Forwarded-For} entry that is not itself a
 * trusted proxy. A client that is not a trusted proxy cannot change its address by sending {@code
 * X-Forwarded-For}. Trusted proxies are exact IP addresses or CIDR blocks ({@code 10.0.0.0/8}).
 * Immutable and thread-safe.
 */
public final class ClientAddressResolver implements RemoteAddressResolver {

    private static final String FORWARDED_FOR = "X-Forwarded-For";

    private final List<IpSubnetFilterRule> trustedProxies;

    public ClientAddressResolver(List<String> trustedProxies) {
        this.trustedProxies = trustedProxies.stream().map(ClientAddressResolver::rule).toList();
    }

    /**
     * The client address of {@code exchange}: the TCP peer, or the address trusted proxies
     * forwarded for; {@code null} when there is none.
     */
    @Override
    public InetSocketAddress resolve(ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        InetSocketAddress remote = request.getRemoteAddress();
        if (remote == null || remote.getAddress() == null || !isTrusted(remote)) {
            return remote;
        }
        List<String> forwarded = request.getHeaders().get(FORWARDED_FOR);
        if (forwarded == null) {
            return remote;
        }
        InetAddress candidate = remote.getAddress();
        List<String> hops =
                forwarded.stream()
                        .flatMap(value -> Arrays.stream(value.split(",")))
                        .map(String::trim)
                        .toList();
        for (int i = hops.size() - 1; i >= 0; i--) {
            InetAddress hop = hop(hops.get(i));
            if (hop == null) {
                // garbage in the chain: stop at the last address we could trust
                break;
            }
            candidate = hop;
            if (!isTrusted(hop)) {
                break;
            }
        }
        return candidate == remote.getAddress() ? remote : new InetSocketAddress(candidate, 0);
    }

    /**
     * One {@code X-Forwarded-For} entry: an IP literal, optionally with a port ({@code
     * 198.51.100.4:5123}, {@code [2001:db8::1]:5123}, as some load balancers send); {@code null}
     * otherwise.
     */
    static InetAddress hop(String text) {
        String host = text;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            host = close < 0 ? "" : host.substring(1, close);
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            host = host.substring(0, host.indexOf(':')); // IPv4 with a port
        }
        return literal(host);
    }

    private boolean isTrusted(InetAddress address) {
        return !trustedProxies.isEmpty() && isTrusted(new InetSocketAddress(address, 0));
    }

    private boolean isTrusted(InetSocketAddress socket) {
        for (IpSubnetFilterRule rule : trustedProxies) {
            if (rule.matches(socket)) {
                return true;
            }
        }
        return false;
    }

    /**
     * An IP literal, or {@code null} when {@code text} is not one. Parsed by Netty's {@link
     * NetUtil}, which never resolves a name: {@code InetAddress.getByName} would send a DNS query
     * from the event loop for a name like {@code dead.beef}.
     */
    static InetAddress literal(String text) {
        return text.isEmpty() ? null : NetUtil.createInetAddressFromIpAddressString(text);
    }

    /** A trusted proxy: an IP address or a CIDR block, as a Netty subnet rule. */
    private static IpSubnetFilterRule rule(String text) {
        int slash = text.indexOf('/');
        String host = (slash < 0 ? text : text.substring(0, slash)).trim();
        InetAddress address = literal(host);
        if (address == null) {
            throw new IllegalArgumentException("not an IP address or CIDR block: '" + text + "'");
        }
        int bits = address.getAddress().length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? bits : Integer.parseInt(text.substring(slash + 1).trim());
        } catch (NumberFormatException ex) {
            prefix = -1;
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("bad prefix length in '" + text + "'");
        }
        return new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT);
    }
}
