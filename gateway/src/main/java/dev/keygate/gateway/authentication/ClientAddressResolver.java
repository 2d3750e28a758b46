package dev.keygate.gateway.authentication;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The address a request comes from, for throttling. It is the TCP peer, unless that peer is one of
 * the configured trusted proxies: then it is the right-most {@code X-Forwarded-For} entry that is
 * not itself a trusted proxy. A client that is not a trusted proxy cannot change its address by
 * sending {@code X-Forwarded-For}. Trusted proxies are exact IP addresses or CIDR blocks ({@code
 * 10.0.0.0/8}). Immutable and thread-safe.
 */
public final class ClientAddressResolver {

    private static final String FORWARDED_FOR = "X-Forwarded-For";

    private final List<Cidr> trustedProxies;

    public ClientAddressResolver(List<String> trustedProxies) {
        this.trustedProxies = trustedProxies.stream().map(Cidr::parse).toList();
    }

    /** The client address of {@code request}, as text; {@code "unknown"} when there is none. */
    public String resolve(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        if (remote == null || remote.getAddress() == null) {
            return "unknown";
        }
        InetAddress peer = remote.getAddress();
        if (!isTrusted(peer)) {
            return peer.getHostAddress();
        }
        List<String> forwarded = request.getHeaders().get(FORWARDED_FOR);
        if (forwarded == null) {
            return peer.getHostAddress();
        }
        String candidate = peer.getHostAddress();
        List<String> hops =
                forwarded.stream()
                        .flatMap(value -> java.util.Arrays.stream(value.split(",")))
                        .map(String::trim)
                        .toList();
        for (int i = hops.size() - 1; i >= 0; i--) {
            InetAddress hop = literal(hops.get(i));
            if (hop == null) {
                // garbage in the chain: stop at the last address we could trust
                return candidate;
            }
            candidate = hop.getHostAddress();
            if (!isTrusted(hop)) {
                return candidate;
            }
        }
        return candidate;
    }

    private boolean isTrusted(InetAddress address) {
        for (Cidr cidr : trustedProxies) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** An IP literal, never a name lookup; {@code null} when {@code text} is not one. */
    private static InetAddress literal(String text) {
        if (text.isEmpty()
                || !text.chars()
                        .allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
            return null;
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException ex) {
            return null;
        }
    }

    private record Cidr(byte[] network, int prefixLength) {
        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            String host = slash < 0 ? text : text.substring(0, slash);
            InetAddress address = literal(host.trim());
            if (address == null) {
                throw new IllegalArgumentException(
                        "not an IP address or CIDR block: '" + text + "'");
            }
            int bits = address.getAddress().length * 8;
            int prefix = slash < 0 ? bits : Integer.parseInt(text.substring(slash + 1).trim());
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("bad prefix length in '" + text + "'");
            }
            return new Cidr(address.getAddress(), prefix);
        }

        boolean contains(InetAddress address) {
            byte[] candidate = address.getAddress();
            if (candidate.length != network.length) {
                return false;
            }
            int fullBytes = prefixLength / 8;
            for (int i = 0; i < fullBytes; i++) {
                if (candidate[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixLength % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xFF << (8 - rest);
            return (candidate[fullBytes] & mask) == (network[fullBytes] & mask);
        }
    }
}
