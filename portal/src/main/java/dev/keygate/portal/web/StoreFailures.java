package dev.keygate.portal.web;

import io.lettuce.core.RedisException;
import org.springframework.dao.DataAccessException;

/** Tells a failure of the key store (Redis unreachable, timed out, refusing) from a bug. */
final class StoreFailures {

    private StoreFailures() {}

    static boolean isStoreFailure(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof DataAccessException || cause instanceof RedisException) {
                return true;
            }
        }
        return false;
    }
}
