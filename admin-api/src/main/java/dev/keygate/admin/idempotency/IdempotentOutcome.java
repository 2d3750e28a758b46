package dev.keygate.admin.idempotency;

/**
 * The answer to an idempotent request.
 *
 * @param value the answer
 * @param replayed whether it is the stored answer to an earlier request with the same key
 */
public record IdempotentOutcome<T>(T value, boolean replayed) {}
