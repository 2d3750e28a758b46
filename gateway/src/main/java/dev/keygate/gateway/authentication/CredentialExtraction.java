package dev.keygate.gateway.authentication;

/** What {@link ApiKeyCredentialConverter} found in a request. */
public sealed interface CredentialExtraction {

    /** No credential in any configured place. */
    CredentialExtraction MISSING = new Missing();

    /** Two or more different credentials. */
    CredentialExtraction AMBIGUOUS = new Ambiguous();

    /**
     * One credential (possibly presented in several places with the same value). {@link
     * #toString()} never shows it.
     */
    record Presented(String value) implements CredentialExtraction {
        @Override
        public String toString() {
            return "Presented[<redacted>]";
        }
    }

    /** Nothing presented. */
    final class Missing implements CredentialExtraction {
        private Missing() {}
    }

    /** Different values presented. */
    final class Ambiguous implements CredentialExtraction {
        private Ambiguous() {}
    }
}
