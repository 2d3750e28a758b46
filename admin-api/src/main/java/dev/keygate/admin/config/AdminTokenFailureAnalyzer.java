package dev.keygate.admin.config;

import dev.keygate.admin.auth.AdminTokenConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a missing or weak admin token (too short, an example value from our docs, too little
 * estimated entropy) into a short "APPLICATION FAILED TO START" report.
 */
class AdminTokenFailureAnalyzer extends AbstractFailureAnalyzer<AdminTokenConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable root, AdminTokenConfigurationException cause) {
        return new FailureAnalysis(
                cause.getMessage(),
                "Set KEYGATE_ADMIN_TOKEN to a generated secret (example values from the docs and"
                        + " tokens with little entropy are refused), for example: export"
                        + " KEYGATE_ADMIN_TOKEN=\"$(openssl rand -base64 32)\", or configure"
                        + " keygate.admin.token / keygate.admin.tokens[n].{name,token,role}.",
                cause);
    }
}
