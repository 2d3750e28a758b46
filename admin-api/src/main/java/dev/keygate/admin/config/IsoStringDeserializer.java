package dev.keygate.admin.config;

import java.time.DateTimeException;
import java.util.Objects;
import java.util.function.Function;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.deser.std.StdScalarDeserializer;

/**
 * Reads a {@code java.time} value from an ISO-8601 string only: a number (epoch seconds, which
 * Jackson would otherwise accept) or an unparsable string is a binding error of the property, so it
 * is answered as a {@code validation} problem naming the field. Stateless and thread-safe.
 */
final class IsoStringDeserializer<T> extends StdScalarDeserializer<T> {

    private final Function<String, T> parse;
    private final String expected;

    IsoStringDeserializer(Class<T> type, Function<String, T> parse, String expected) {
        super(type);
        this.parse = Objects.requireNonNull(parse, "parse");
        this.expected = Objects.requireNonNull(expected, "expected");
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(JsonParser parser, DeserializationContext context) {
        if (!parser.hasToken(JsonToken.VALUE_STRING)) {
            return (T) context.handleUnexpectedToken(handledType(), parser);
        }
        String text = parser.getString().trim();
        try {
            return parse.apply(text);
        } catch (DateTimeException ex) {
            return (T) context.handleWeirdStringValue(handledType(), text, "must be " + expected);
        }
    }
}
