package dev.keygate.admin.web;

import dev.keygate.admin.propagation.PropagationReceipt;
import org.springframework.http.HttpHeaders;

/**
 * The {@code Keygate-Propagation-*} headers of every answer to a change: its {@link
 * PropagationReceipt}. {@code Gateways} and {@code Confirmed} are absent when the gateway registry
 * could not be read; {@code Lagging} is absent when no gateway lags.
 */
public final class PropagationHeaders {

    /** The change's epoch. */
    public static final String EPOCH = "Keygate-Propagation-Epoch";

    /** The live gateways. */
    public static final String GATEWAYS = "Keygate-Propagation-Gateways";

    /** How many of them have applied the change. */
    public static final String CONFIRMED = "Keygate-Propagation-Confirmed";

    /** The node ids of those that had not when the answer was made, comma-separated. */
    public static final String LAGGING = "Keygate-Propagation-Lagging";

    /** How long the answer waited for the gateways, in milliseconds. */
    public static final String WAITED_MS = "Keygate-Propagation-Waited-Ms";

    /** The query parameter that, set to false, answers at once with what is known. */
    public static final String WAIT_PARAMETER = "wait";

    private PropagationHeaders() {}

    static void write(HttpHeaders headers, PropagationReceipt receipt) {
        headers.set(EPOCH, Long.toString(receipt.epoch()));
        if (receipt.gateways() != null) {
            headers.set(GATEWAYS, receipt.gateways().toString());
            headers.set(CONFIRMED, receipt.confirmed().toString());
        }
        if (!receipt.lagging().isEmpty()) {
            headers.set(LAGGING, String.join(",", receipt.lagging()));
        }
        headers.set(WAITED_MS, Long.toString(receipt.waitedMs()));
    }
}
