package dev.keygate.portal;

import dev.keygate.admin.config.KeyServiceConfiguration;
import dev.keygate.core.support.KeepAliveWorkaround;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * The Keygate developer portal: an API's customers sign in with the operator's OpenID Connect
 * provider and create, regenerate and remove their own keys, in the browser (port 8083) or through
 * the self-service API ({@code /v1/self/keys}, JWT bearer). Every change goes through the admin
 * API's service layer ({@link KeyServiceConfiguration}), so it is stored, announced, audited and
 * limited exactly as an admin change. Meant to be exposed to the internet while the admin API stays
 * internal.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(KeyServiceConfiguration.class)
public class PortalApplication {

    // a keep-alive connection must not stall after a request answered at once
    static {
        KeepAliveWorkaround.apply();
    }

    public static void main(String[] args) {
        SpringApplication.run(PortalApplication.class, args);
    }
}
