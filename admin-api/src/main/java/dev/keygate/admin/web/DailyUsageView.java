package dev.keygate.admin.web;

import dev.keygate.core.usage.DailyCount;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.LocalDate;
import java.util.List;

/**
 * A key's requests per UTC day, all gateways together; days without requests are left out.
 *
 * @param days in date order
 */
@Schema(name = "DailyUsage")
public record DailyUsageView(List<Day> days) {

    static DailyUsageView of(List<DailyCount> counts) {
        return new DailyUsageView(
                counts.stream().map(count -> new Day(count.date(), count.requests())).toList());
    }

    /**
     * @param date the UTC day
     * @param requests requests forwarded with the key that day
     */
    @Schema(name = "DailyUsageDay")
    public record Day(LocalDate date, long requests) {}
}
