package dev.keygate.admin;

import dev.keygate.core.support.KeepAliveWorkaround;
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

    // a keep-alive connection must not stall after a request answered at once
    static {
        KeepAliveWorkaround.apply();
    }

    public static void main(String[] args) {
        SpringApplication.run(AdminApiApplication.class, args);
    }
}
