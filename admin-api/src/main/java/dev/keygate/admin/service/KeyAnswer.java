package dev.keygate.admin.service;

import dev.keygate.core.store.WrittenKey;
import java.util.Objects;
import java.util.function.Function;

/**
 * How the caller of a create or rotation wants its answer, so that the service stays free of web
 * types: {@code render} turns the written key into the answer once, right after the write, and the
 * {@code IdempotencyStore} keeps that answer (encrypted, as JSON of {@code type}) for retries with
 * the same {@code Idempotency-Key}, which get it back unchanged.
 *
 * @param type the answer's class, to read a stored answer back
 * @param render makes the answer from the written record and its full key; must not block
 */
public record KeyAnswer<A>(Class<A> type, Function<WrittenKey, A> render) {

    public KeyAnswer {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(render, "render");
    }
}
