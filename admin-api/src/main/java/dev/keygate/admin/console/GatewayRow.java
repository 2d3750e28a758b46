package dev.keygate.admin.console;

import dev.keygate.admin.propagation.GatewaysView;
import java.util.List;
import java.util.Locale;

/**
 * A live gateway as the console shows it.
 *
 * @param id the node id
 * @param host its host
 * @param version its version
 * @param started when it started
 * @param appliedEpoch the newest change it has applied
 * @param lag how many changes behind the store it is
 * @param staleness how long since its cache was last confirmed current, or "never"
 * @param cacheSize keys in its cache
 * @param hitRatio its cache hit ratio, as a percentage
 */
public record GatewayRow(
        String id,
        String host,
        String version,
        String started,
        long appliedEpoch,
        long lag,
        String staleness,
        long cacheSize,
        String hitRatio) {

    static List<GatewayRow> of(GatewaysView view) {
        return view.gateways().stream()
                .map(
                        gateway ->
                                new GatewayRow(
                                        gateway.id(),
                                        gateway.host(),
                                        gateway.version(),
                                        ConsoleKey.format(gateway.startedAt()),
                                        gateway.appliedEpoch(),
                                        gateway.lag(),
                                        gateway.sinceConfirmedMs() == null
                                                ? "never"
                                                : String.format(
                                                        Locale.ROOT,
                                                        "%.1f s",
                                                        gateway.sinceConfirmedMs() / 1000.0),
                                        gateway.cacheSize(),
                                        String.format(
                                                Locale.ROOT, "%.1f%%", gateway.hitRatio() * 100)))
                .toList();
    }
}
