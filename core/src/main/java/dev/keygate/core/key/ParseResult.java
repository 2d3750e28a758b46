package dev.keygate.core.key;

/**
 * What {@link ApiKeyParser#parse(String)} found: a {@link ParsedApiKey} or a {@link KeyRejection}.
 * Test with {@code instanceof}.
 */
public sealed interface ParseResult permits ParsedApiKey, KeyRejection {}
