package dev.keygate.admin.console;

import dev.keygate.admin.propagation.PropagationReceipt;
import java.util.List;

/**
 * A change's propagation receipt in words.
 *
 * @param known whether the gateway registry could be read
 * @param complete whether every live gateway has applied the change
 * @param summary for example "Applied by 2 of 2 gateways"
 * @param lagging the node ids of the gateways that had not applied it yet
 */
public record ReceiptView(boolean known, boolean complete, String summary, List<String> lagging) {

    static ReceiptView of(PropagationReceipt receipt) {
        if (receipt.gateways() == null || receipt.confirmed() == null) {
            return new ReceiptView(
                    false, false, "The gateway registry could not be read: no receipt.", List.of());
        }
        int gateways = receipt.gateways();
        int confirmed = receipt.confirmed();
        String summary =
                gateways == 0
                        ? "No live gateway is registered."
                        : "Applied by "
                                + confirmed
                                + " of "
                                + gateways
                                + (gateways == 1 ? " gateway" : " gateways")
                                + " (change "
                                + receipt.epoch()
                                + ").";
        return new ReceiptView(true, confirmed >= gateways, summary, receipt.lagging());
    }
}
