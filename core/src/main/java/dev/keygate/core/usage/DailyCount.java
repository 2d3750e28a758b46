package dev.keygate.core.usage;

import java.time.LocalDate;

/**
 * Requests forwarded with one key on one UTC day, summed over all gateways.
 *
 * @param date the UTC day
 * @param requests how many
 */
public record DailyCount(LocalDate date, long requests) {}
