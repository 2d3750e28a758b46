package dev.keygate.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Paths of the repository and small readers shared by the deploy tests. Not thread-safe. */
final class DeployFiles {

    /**
     * PromQL functions, aggregations and keywords: everything else followed by "(" or "{" is a
     * metric.
     */
    private static final List<String> PROMQL_WORDS =
            List.of(
                    "sum",
                    "max",
                    "min",
                    "avg",
                    "count",
                    "rate",
                    "irate",
                    "increase",
                    "histogram_quantile",
                    "by",
                    "without",
                    "on",
                    "ignoring",
                    "and",
                    "or",
                    "unless",
                    "label_values",
                    "abs",
                    "clamp_min",
                    "clamp_max",
                    "delta",
                    "deriv",
                    "topk",
                    "bottomk",
                    "time",
                    "vector",
                    "scalar",
                    "offset",
                    "bool",
                    "group_left",
                    "group_right",
                    "le");

    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private DeployFiles() {}

    static Path repo() {
        return Path.of(System.getProperty("keygate.repo.dir", "../.."))
                .toAbsolutePath()
                .normalize();
    }

    static Path deploy(String relative) {
        return repo().resolve("deploy").resolve(relative);
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every document of a YAML file (SnakeYAML's safe constructor, merge keys resolved). */
    static List<Object> yamlDocuments(Path file) {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        List<Object> documents = new ArrayList<>();
        for (Object document : yaml.loadAll(read(file))) {
            if (document != null) {
                documents.add(document);
            }
        }
        return documents;
    }

    static List<Path> files(Path directory, String... suffixes) {
        try (Stream<Path> walk = Files.walk(directory)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> Stream.of(suffixes).anyMatch(s -> p.toString().endsWith(s)))
                    .filter(
                            p ->
                                    !p.toString().contains("/.run/")
                                            && !p.toString().contains("/target/"))
                    .sorted()
                    .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The metric names a PromQL expression reads. Label matchers, strings, durations and the label
     * lists of {@code by (...)} are removed first; what is left that is not a PromQL word is a
     * metric name.
     */
    static List<String> metricsIn(String promql) {
        String stripped =
                promql.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
                        .replaceAll("\\{[^}]*}", " ")
                        .replaceAll("\\[[^]]*]", " ")
                        .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", " ")
                        .replaceAll("\\$\\w+", " ");
        List<String> metrics = new ArrayList<>();
        Matcher m = IDENTIFIER.matcher(stripped);
        while (m.find()) {
            String word = m.group();
            boolean partOfNumber =
                    m.start() > 0 && Character.isDigit(stripped.charAt(m.start() - 1));
            if (!PROMQL_WORDS.contains(word) && !partOfNumber && !word.matches("e\\d*")) {
                metrics.add(word);
            }
        }
        return metrics;
    }
}
