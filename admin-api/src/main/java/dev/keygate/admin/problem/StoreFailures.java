package dev.keygate.admin.problem;

import io.lettuce.core.RedisException;
import org.springframework.dao.DataAccessException;

/**
 * Tells a failure of the key store (Redis unreachable, timed out or refusing: a Spring Data or
 * Lettuce exception anywhere in the cause chain) from a bug. The one test behind the API's 503, the
 * console's and the developer portal's "unavailable" pages.
 */
public final class StoreFailures {

    private StoreFailures() {}

    public static boolean isStoreFailure(Throwable error) {
        for (Throwable cause = error;
                cause != null;
                cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof DataAccessException || cause instanceof RedisException) {
                return true;
            }
        }
        return false;
    }
}
