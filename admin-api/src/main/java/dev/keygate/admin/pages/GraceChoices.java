package dev.keygate.admin.pages;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The grace periods a rotation page offers (operator console, developer portal): none first, then
 * the page's steps up to the allowed maximum, and the maximum itself when it is not one of them.
 * Values are ISO-8601 durations, as the form posts them.
 */
public final class GraceChoices {

    private GraceChoices() {}

    /**
     * The choices, value to label, in order.
     *
     * @param steps the page's usual steps, ascending
     * @param max the longest grace allowed ({@code max-grace-period}); zero offers only "none"
     * @param none the label of no grace
     * @param keep the label of a grace, before its length in words ("... for 1 day")
     */
    public static Map<String, String> of(
            List<Duration> steps, Duration max, String none, String keep) {
        Map<String, String> choices = new LinkedHashMap<>();
        choices.put(Duration.ZERO.toString(), none);
        List<Duration> offered = new ArrayList<>(steps);
        offered.removeIf(step -> step.compareTo(max) > 0);
        if (!max.isZero() && !offered.contains(max)) {
            offered.add(max);
        }
        offered.forEach(step -> choices.put(step.toString(), keep + " " + DurationWords.of(step)));
        return choices;
    }
}
