package dev.keygate.admin;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Keygate admin API: the only writer of keys. Serves {@code /v1} on port 8081 and the actuator
 * on management port 9091.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class AdminApiApplication {

    public static void main(String[] args) {
        SpringApplication.run(AdminApiApplication.class, args);
    }
}
