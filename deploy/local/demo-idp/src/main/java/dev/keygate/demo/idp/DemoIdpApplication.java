package dev.keygate.demo.idp;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * A demo OpenID Connect provider for {@code deploy/local/run.sh} and the developer portal's browser
 * tests: Spring Authorization Server as Spring Boot configures it (its endpoints, OIDC discovery, a
 * generated signing key, Spring Security's login page), with the users and the one client of {@link
 * DemoIdpProperties}. Users, sessions and keys live in memory and are gone at restart. Not for
 * production: point the portal at your own provider (docs/operations.md).
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class DemoIdpApplication {

    public static void main(String[] args) {
        SpringApplication.run(DemoIdpApplication.class, args);
    }
}
